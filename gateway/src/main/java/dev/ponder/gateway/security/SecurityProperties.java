package dev.ponder.gateway.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything under {@code ponder.security.*}. Secrets come from here only: a value, or a file (a mounted Kubernetes
 * secret), with the environment variables named in application.yml as the usual source.
 *
 * @param openMode no keys required; null means: open only for the embedded default (nothing configured)
 * @param syncInterval how often usage is reconciled with the other replicas and keys are reloaded
 * @param defaultMaxOutputTokens the output a request without {@code max_tokens} is assumed to need at a tier whose
 *     backend sends no cap of its own ({@code ponder.backends.<name>.default-max-tokens}) when its cost is reserved
 * @param login how failed console logins are throttled
 */
@ConfigurationProperties("ponder.security")
public record SecurityProperties(
        Boolean openMode,
        Duration syncInterval,
        String keySecret,
        Path keySecretFile,
        Admin admin,
        Map<String, PolicyRules> policies,
        Integer defaultMaxOutputTokens,
        Login login) {

    public SecurityProperties {
        syncInterval = syncInterval == null ? Duration.ofSeconds(1) : syncInterval;
        if (syncInterval.isNegative() || syncInterval.isZero()) {
            throw new IllegalArgumentException("ponder.security.sync-interval must be > 0 but was " + syncInterval);
        }
        admin = admin == null ? new Admin(null, null, null, null, null) : admin;
        policies = policies == null ? Map.of() : new LinkedHashMap<>(policies);
        defaultMaxOutputTokens = defaultMaxOutputTokens == null ? 1024 : defaultMaxOutputTokens;
        if (defaultMaxOutputTokens < 1) {
            throw new IllegalArgumentException(
                    "ponder.security.default-max-output-tokens must be >= 1 but was " + defaultMaxOutputTokens);
        }
        login = login == null ? new Login(null, null, null, null) : login;
    }

    /** The configured key-hashing secret, from the value or else the file; null when neither is set. */
    String resolvedKeySecret() {
        return secret(keySecret, keySecretFile);
    }

    PolicyRules rules(String policy) {
        return policies.getOrDefault(policy, PolicyRules.DEFAULT);
    }

    /**
     * The bootstrap administrator and the admin API's bearer token.
     *
     * @param username the bootstrap administrator's name, {@code admin} by default
     * @param password its password ({@code PONDER_ADMIN_PASSWORD}); stored only as a BCrypt hash
     * @param token a bearer token for the admin JSON API ({@code PONDER_ADMIN_TOKEN}), for scripts
     */
    public record Admin(String username, String password, Path passwordFile, String token, Path tokenFile) {
        public Admin {
            username = username == null || username.isBlank() ? "admin" : username;
        }

        String resolvedPassword() {
            return secret(password, passwordFile);
        }

        String resolvedToken() {
            return secret(token, tokenFile);
        }
    }

    /**
     * The console login's throttle: after {@code maxFailures} attempts in a row that did not succeed, from one client
     * address or for one user name, the next attempt waits {@code lockout}, doubling with each further failure up to
     * {@code maxLockout}; an address or name is forgotten {@code maxLockout} after its last failure or lock.
     *
     * @param maxFailures attempts let through before the first lockout (5)
     * @param lockout the first lockout (30 s)
     * @param maxLockout the longest lockout (15 min)
     * @param tracked how many addresses and how many user names are remembered at most, each (10,000)
     */
    public record Login(Integer maxFailures, Duration lockout, Duration maxLockout, Integer tracked) {
        public Login {
            maxFailures = maxFailures == null ? 5 : maxFailures;
            lockout = lockout == null ? Duration.ofSeconds(30) : lockout;
            maxLockout = maxLockout == null ? Duration.ofMinutes(15) : maxLockout;
            tracked = tracked == null ? 10_000 : tracked;
            if (maxFailures < 1) {
                throw new IllegalArgumentException(
                        "ponder.security.login.max-failures must be >= 1 but was " + maxFailures);
            }
            if (lockout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("ponder.security.login.lockout must be >= 1s but was " + lockout);
            }
            if (maxLockout.compareTo(lockout) < 0) {
                throw new IllegalArgumentException(
                        "ponder.security.login.max-lockout must be >= lockout (" + lockout + ") but was " + maxLockout);
            }
            if (tracked < 1) {
                throw new IllegalArgumentException("ponder.security.login.tracked must be >= 1 but was " + tracked);
            }
        }
    }

    /**
     * What a policy allows beyond routing.
     *
     * @param freeTiersWhenOverBudget a key whose budget is spent may still use this policy's free (price 0) tiers
     * @param logContent {@code full}, {@code redacted} or {@code off}: what the outcome log keeps of prompts and
     *     answers
     */
    public record PolicyRules(Boolean freeTiersWhenOverBudget, String logContent) {
        static final PolicyRules DEFAULT = new PolicyRules(false, "full");

        public PolicyRules {
            freeTiersWhenOverBudget = Boolean.TRUE.equals(freeTiersWhenOverBudget);
            logContent = logContent == null ? "full" : logContent;
            ContentLogging.parse(logContent, "ponder.security.policies.*.log-content");
        }

        ContentLogging contentLogging() {
            return ContentLogging.parse(logContent, "log-content");
        }
    }

    private static String secret(String value, Path file) {
        if (value != null && !value.isBlank()) {
            return value;
        }
        if (file == null || file.toString().isBlank()) {
            return null;
        }
        try {
            String read = Files.readString(file).strip();
            return read.isEmpty() ? null : read;
        } catch (IOException e) {
            // The message names the file, never its content.
            throw new UncheckedIOException("Could not read the secret file " + file, e);
        }
    }
}
