package dev.ponder.gateway.config;

import dev.ponder.cascade.StreamMode;
import dev.ponder.providers.BackendSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything under {@code ponder.*}. Backends bind straight onto providers' {@link BackendSpec}; policies are
 * converted to the cascade's policies by {@code routing}. With no backend configured, Ponder serves the bundled
 * replay backends so that a newcomer can try it at once.
 */
@ConfigurationProperties("ponder")
public record PonderProperties(
        Map<String, BackendSpec> backends, Map<String, Policy> policies, String defaultPolicy, Outcomes outcomes) {

    public static final String DEMO_DATASET = "classpath:ponder/demo/routerbench-sample.jsonl";

    public PonderProperties {
        backends = backends == null ? Map.of() : new LinkedHashMap<>(backends);
        policies = policies == null ? Map.of() : new LinkedHashMap<>(policies);
        defaultPolicy = defaultPolicy == null || defaultPolicy.isBlank() ? "default" : defaultPolicy;
        outcomes = outcomes == null ? new Outcomes(null, null, null, null, null) : outcomes;
    }

    /** Whether no backend is configured, so the bundled demo backends serve. */
    public boolean demo() {
        return backends.isEmpty();
    }

    /** The configured backends, or the bundled demo ones when none is configured. */
    public Map<String, BackendSpec> effectiveBackends() {
        return demo() ? demoBackends() : backends;
    }

    private static Map<String, BackendSpec> demoBackends() {
        Map<String, BackendSpec> demo = new LinkedHashMap<>();
        demo.put("small", replay("mistralai/mistral-7b-chat"));
        demo.put("medium", replay("mistralai/mixtral-8x7b-chat"));
        demo.put("large", replay("gpt-4-1106-preview"));
        return demo;
    }

    private static BackendSpec replay(String model) {
        return new BackendSpec(
                "replay",
                null,
                null,
                model,
                null,
                null,
                null,
                null,
                new BackendSpec.Replay(
                        null,
                        "This is Ponder's demo replay backend: it only knows the prompts of its bundled dataset."
                                + " Configure ponder.backends to reach real models.",
                        null),
                DEMO_DATASET,
                null);
    }

    /**
     * A cascade policy: tier names (backend keys), cheapest first, and optional thresholds and budgets. {@code signals}
     * maps IDK signal names (abstention, logprobs, scorer, agreement, verification) to the confidence an answer needs
     * on each to be accepted; a threshold of 0 records a signal without acting on it; absent, abstention alone
     * decides. {@code streamMode} is how streamed requests meet this policy; {@code fallback} answers when no tier
     * could.
     */
    public record Policy(
            List<String> tiers,
            List<Double> thresholds,
            Integer maxEscalations,
            Duration deadline,
            Double maxCostUsd,
            Map<String, Double> signals,
            Integer agreementSamples,
            Integer verificationSamples,
            StreamMode streamMode,
            Fallback fallback) {
        public Policy {
            if (tiers == null || tiers.isEmpty()) {
                throw new IllegalArgumentException("a policy needs at least one tier (a backend name)");
            }
            tiers = List.copyOf(tiers);
        }

        /** A policy over these tiers with every other setting at its default. */
        public static Policy over(List<String> tiers) {
            return new Policy(tiers, null, null, null, null, null, null, null, null, null);
        }
    }

    /** What answers when no tier of a policy could: a fixed {@code answer}, or one more {@code backend} by name. */
    public record Fallback(String answer, String backend) {}

    /**
     * The outcome log: whether prompts and answers are kept, and the writer's queue, batch and linger (how long a
     * batch may fill before it is written).
     */
    public record Outcomes(
            Boolean logContent, Integer queueCapacity, Integer batchSize, Duration linger, Duration retention) {
        public Outcomes {
            logContent = logContent == null || logContent;
            queueCapacity = positive("queue-capacity", queueCapacity, 50_000);
            batchSize = positive("batch-size", batchSize, 500);
            linger = linger == null ? Duration.ofMillis(50) : linger;
            if (linger.isNegative() || linger.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException(
                        "ponder.outcomes.linger must be between 0 and 10s but was " + linger);
            }
            retention = retention == null ? Duration.ofDays(30) : retention;
            // Retention drops whole days before today minus its days: under one day it would drop yesterday's
            // partition while late rows for it are still being written, and today's when negative.
            if (retention.toDays() < 1) {
                throw new IllegalArgumentException(
                        "ponder.outcomes.retention must be at least 1 day (P1D) but was " + retention);
            }
        }

        private static int positive(String what, Integer value, int fallback) {
            if (value == null) {
                return fallback;
            }
            if (value < 1) {
                throw new IllegalArgumentException("ponder.outcomes." + what + " must be >= 1 but was " + value);
            }
            return value;
        }
    }
}
