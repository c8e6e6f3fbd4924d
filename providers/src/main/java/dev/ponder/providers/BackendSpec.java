package dev.ponder.providers;

import dev.ponder.cascade.Capabilities;
import dev.ponder.cascade.Price;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How to reach one backend, as an operator configures it under {@code ponder.backends.<name>} (the name is the key).
 * The gateway binds configuration straight onto this record; absent parts take the defaults the compact
 * constructors give. {@link #toString()} leaves the API key out.
 *
 * @param type {@code openai}, {@code ollama}, {@code anthropic}, {@code gemini} or {@code replay}
 * @param baseUrl the server's URL; null for the provider's public endpoint (Ollama: {@code http://localhost:11434})
 * @param model the model name sent upstream (for replay: the key of {@code outcomes} to answer as)
 * @param price USD per 1M input and output tokens; for a local server, what the operator says its GPU time costs
 * @param capabilities what the backend accepts; null for its type's defaults
 * @param dataset for replay: a file in the routing-outcome format, or {@code classpath:<resource>}; a string, so that
 *     configuration binding keeps a {@code classpath:} location as written (as a {@code Path}, Spring resolves it
 *     to a file, which fails for a resource inside a jar)
 * @param defaultMaxTokens the output cap sent when the client sends none; null for the type's default: 4096 for
 *     {@code anthropic} (the Messages API requires a cap, and LangChain4j's own, 1024, cuts longer answers short),
 *     none for the others (the server's own limit applies)
 */
public record BackendSpec(
        String type,
        String baseUrl,
        String apiKey,
        String model,
        Price price,
        Capabilities capabilities,
        Timeouts timeouts,
        Resilience resilience,
        Replay replay,
        String dataset,
        Integer defaultMaxTokens) {

    /** The types {@link BackendFactory} builds, for messages. */
    static final String TYPES = "openai, ollama, anthropic, gemini or replay";

    /** What most gateways send Anthropic when the client sets no cap. */
    static final int ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

    public BackendSpec {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("a backend needs a type (" + TYPES + ")");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("a backend of type " + type + " needs a model");
        }
        if (baseUrl != null && !baseUrl.isBlank()) {
            requireHttpUrl(baseUrl);
        }
        price = price == null ? Price.FREE : price;
        timeouts = timeouts == null ? Timeouts.DEFAULTS : timeouts;
        resilience = resilience == null ? Resilience.DEFAULTS : resilience;
        replay = replay == null ? Replay.DEFAULTS : replay;
        if (defaultMaxTokens == null && "anthropic".equalsIgnoreCase(type.strip())) {
            defaultMaxTokens = ANTHROPIC_DEFAULT_MAX_TOKENS;
        }
        if (defaultMaxTokens != null && defaultMaxTokens < 1) {
            throw new IllegalArgumentException("default-max-tokens must be >= 1 but was " + defaultMaxTokens);
        }
    }

    /**
     * Refuses a base URL that is not an absolute http(s) URL with a host, such as {@code localhost:11434}: it was
     * accepted, and every call to the backend (and its health probe) then failed.
     */
    public static void requireHttpUrl(String baseUrl) {
        URI uri;
        try {
            uri = new URI(baseUrl.strip());
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null
                || uri.getScheme() == null
                || !List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT))
                || uri.getRawAuthority() == null) {
            throw new IllegalArgumentException(
                    "base-url must be an http or https URL such as http://localhost:11434 but was '" + baseUrl + "'");
        }
    }

    @Override
    public String toString() {
        return "BackendSpec[type=" + type + ", baseUrl=" + baseUrl + ", apiKey="
                + (apiKey == null ? null : "[redacted]")
                + ", model=" + model + ", price=" + price + ", capabilities=" + capabilities + ", timeouts=" + timeouts
                + ", resilience=" + resilience + ", replay=" + replay + ", dataset=" + dataset
                + ", defaultMaxTokens=" + defaultMaxTokens + "]";
    }

    /** Connect, first-token and total timeouts for one call. */
    public record Timeouts(Duration connect, Duration firstToken, Duration total) {
        public static final Timeouts DEFAULTS =
                new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(120));

        public Timeouts {
            connect = positive("connect", connect, Duration.ofSeconds(5));
            firstToken = positive("first-token", firstToken, Duration.ofSeconds(30));
            total = positive("total", total, Duration.ofSeconds(120));
        }

        private static Duration positive(String what, Duration value, Duration fallback) {
            if (value == null) {
                return fallback;
            }
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " timeout must be positive but was " + value);
            }
            return value;
        }
    }

    /**
     * Retry, circuit breaker and bulkhead settings (Resilience4j).
     *
     * @param maxAttempts calls per request, the first included (retries happen on 429, 5xx and reset connections)
     * @param initialBackoff the pause before the first retry; it doubles each time, with +-50% jitter
     * @param maxConcurrentCalls the bulkhead: calls in flight at once (a local GPU server's capacity)
     * @param maxWaitForSlot how long a call may queue for the bulkhead; zero fails fast (the cascade skips the tier)
     * @param maxBackoff the longest pause between attempts
     * @param maxRetryAfter the longest Retry-After honoured; a longer one escalates at once instead of waiting
     * @param failureRateThreshold the percentage of failed calls that opens the circuit
     * @param slidingWindowSize how many recent calls the failure rate is computed over
     * @param minimumCalls calls needed before the failure rate counts
     * @param openDuration how long an open circuit rejects calls before letting trial calls through
     * @param halfOpenCalls trial calls in the half-open state that decide whether the circuit closes again
     */
    public record Resilience(
            Integer maxAttempts,
            Duration initialBackoff,
            Integer maxConcurrentCalls,
            Duration maxWaitForSlot,
            Duration maxBackoff,
            Duration maxRetryAfter,
            Integer failureRateThreshold,
            Integer slidingWindowSize,
            Integer minimumCalls,
            Duration openDuration,
            Integer halfOpenCalls) {
        public static final Resilience DEFAULTS =
                new Resilience(null, null, null, null, null, null, null, null, null, null, null);

        public Resilience {
            maxAttempts = atLeastOne("max-attempts", maxAttempts, 3);
            initialBackoff = notNegative("initial-backoff", initialBackoff, Duration.ofMillis(200));
            maxConcurrentCalls = atLeastOne("max-concurrent-calls", maxConcurrentCalls, 64);
            maxWaitForSlot = notNegative("max-wait-for-slot", maxWaitForSlot, Duration.ZERO);
            maxBackoff = notNegative("max-backoff", maxBackoff, Duration.ofSeconds(5));
            maxRetryAfter = notNegative("max-retry-after", maxRetryAfter, Duration.ofSeconds(10));
            failureRateThreshold = atLeastOne("failure-rate-threshold", failureRateThreshold, 50);
            if (failureRateThreshold > 100) {
                throw new IllegalArgumentException(
                        "failure-rate-threshold is a percentage, at most 100, but was " + failureRateThreshold);
            }
            slidingWindowSize = atLeastOne("sliding-window-size", slidingWindowSize, 20);
            minimumCalls = atLeastOne("minimum-calls", minimumCalls, 10);
            openDuration = notNegative("open-duration", openDuration, Duration.ofSeconds(30));
            halfOpenCalls = atLeastOne("half-open-calls", halfOpenCalls, 3);
        }

        private static int atLeastOne(String what, Integer value, int fallback) {
            if (value == null) {
                return fallback;
            }
            if (value < 1) {
                throw new IllegalArgumentException(what + " must be >= 1 but was " + value);
            }
            return value;
        }
    }

    /**
     * For {@code type: replay}: simulated latency (a delay before the first token, then one per output token), and
     * the answer to a prompt the dataset lacks (null: such a prompt fails with an ESCALATE error).
     */
    public record Replay(Duration latencyPerOutputToken, String unknownPromptAnswer, Duration firstTokenLatency) {
        public static final Replay DEFAULTS = new Replay(null, null, null);

        public Replay {
            latencyPerOutputToken = notNegative("latency-per-output-token", latencyPerOutputToken, Duration.ZERO);
            firstTokenLatency = notNegative("first-token-latency", firstTokenLatency, Duration.ZERO);
        }
    }

    private static Duration notNegative(String what, Duration value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative but was " + value);
        }
        return value;
    }
}
