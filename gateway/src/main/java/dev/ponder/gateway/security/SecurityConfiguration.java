package dev.ponder.gateway.security;

import dev.ponder.gateway.api.EmbeddingBackends;
import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.gateway.routing.Routes;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.servlet.HandlerExceptionResolver;
import tools.jackson.databind.json.JsonMapper;

/** Virtual keys on the request path: the key cache, the usage meter and its sync, the {@code /v1} filter. */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    /** Whether /v1 is open; see {@link #openMode}. */
    record Mode(boolean open) {}

    /**
     * Open mode only when asked for, or, when nobody said, for the embedded default with nothing configured (no
     * backend, no datasource): that one can only replay a bundled dataset on this machine.
     */
    static boolean openMode(Boolean configured, boolean backendsConfigured, String datasourceUrl) {
        if (configured != null) {
            return configured;
        }
        return !backendsConfigured && (datasourceUrl == null || datasourceUrl.isBlank());
    }

    @Bean
    Mode securityMode(SecurityProperties security, PonderProperties ponder, Environment env) {
        boolean open = openMode(security.openMode(), !ponder.demo(), env.getProperty("spring.datasource.url"));
        if (open) {
            log.warn("""

                    ************************************************************************
                    * OPEN MODE: /v1 accepts requests WITHOUT an API key; no rate limits,  *
                    * no budgets. For local use only. Set ponder.security.open-mode=false  *
                    * (or configure backends) to require virtual API keys.                 *
                    ************************************************************************""");
        }
        return new Mode(open);
    }

    @Bean
    KeyStore keyStore(JdbcTemplate jdbc) {
        return new KeyStore(jdbc);
    }

    @Bean
    KeyCache keyCache() {
        return new KeyCache();
    }

    /**
     * The configured secret, or else one generated once and kept in PostgreSQL, so that all replicas share it (a
     * configured one is better: then a copy of the database alone cannot check a guessed key).
     */
    @Bean
    KeyHasher keyHasher(SecurityProperties security, JdbcTemplate jdbc) {
        String configured = security.resolvedKeySecret();
        if (configured != null) {
            return new KeyHasher(configured.getBytes(StandardCharsets.UTF_8));
        }
        jdbc.update(
                "INSERT INTO security_settings (name, value) VALUES ('key_hash_secret', ?) ON CONFLICT DO NOTHING",
                KeyHasher.randomToken(32));
        log.warn("No ponder.security.key-secret (PONDER_KEY_SECRET) configured: API keys are hashed with a secret"
                + " generated once and kept in the database");
        return new KeyHasher(
                jdbc.queryForObject("SELECT value FROM security_settings WHERE name = 'key_hash_secret'", String.class)
                        .getBytes(StandardCharsets.UTF_8));
    }

    @Bean
    UsageMeter usageMeter(Clock clock, SecurityProperties security) {
        return new UsageMeter(clock, security.syncInterval());
    }

    @Bean
    SharedBudgets sharedBudgets(UsageMeter meter) {
        return new SharedBudgets(meter);
    }

    @Bean
    Metering metering(UsageMeter meter) {
        return new Metering(meter);
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    UsageSync usageSync(
            JdbcTemplate jdbc,
            UsageMeter meter,
            KeyStore store,
            KeyCache cache,
            Clock clock,
            SecurityProperties security,
            PlatformTransactionManager transactions) {
        String replica = "replica-" + UUID.randomUUID().toString().substring(0, 8);
        return new UsageSync(
                jdbc,
                new TransactionTemplate(transactions),
                meter,
                store,
                cache,
                clock,
                security.syncInterval(),
                replica);
    }

    @Bean
    FilterRegistrationBean<VirtualKeyFilter> virtualKeyFilter(
            KeyCache keys,
            KeyHasher hasher,
            UsageMeter meter,
            Metering metering,
            Routes routes,
            EmbeddingBackends embeddings,
            SecurityProperties security,
            JsonMapper json,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver errors,
            Clock clock,
            Mode mode) {
        requireRoutes(security, routes);
        FilterRegistrationBean<VirtualKeyFilter> registration = new FilterRegistrationBean<>(new VirtualKeyFilter(
                keys, hasher, meter, metering, routes, embeddings, security, json, errors, clock, mode.open()));
        registration.addUrlPatterns("/v1/*");
        // Right after RequestIds, so that a rejection carries the request id too.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /**
     * Each {@code ponder.security.policies.<name>} must name a policy (or a backend, which a request can name as its
     * model): a mistyped name applied to no request, so a policy meant to keep prompts redacted or off kept them whole.
     */
    static void requireRoutes(SecurityProperties security, Routes routes) {
        for (String name : security.policies().keySet()) {
            if (!routes.policies().containsKey(name) && !routes.backends().containsKey(name)) {
                throw StartupFailure.configuration(
                        "ponder.security.policies." + name + ": '" + name + "' is not a policy nor a backend; policies"
                                + " are " + routes.policies().keySet() + ", backends "
                                + routes.backends().keySet(),
                        null);
            }
        }
    }
}
