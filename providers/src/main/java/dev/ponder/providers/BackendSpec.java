package dev.ponder.providers;

import dev.ponder.cascade.Capabilities;
import dev.ponder.cascade.Price;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach one backend, as an operator configures it under {@code ponder.backends.<name>} (the name is the key). The gateway binds
 * configuration straight onto this record; absent parts take the defaults the compact constructors give.
 *
 * @param type {@code openai}, {@code ollama}, {@code anthropic} or {@code replay}
 * @param model the model name sent upstream (for replay: the key of {@code outcomes} to answer as)
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
        Path dataset) {

    public BackendSpec {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("a backend needs a type (openai, ollama, anthropic, replay)");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("a backend of type " + type + " needs a model");
        }
        price = price == null ? Price.FREE : price;
        timeouts = timeouts == null ? Timeouts.DEFAULTS : timeouts;
        resilience = resilience == null ? Resilience.DEFAULTS : resilience;
        replay = replay == null ? Replay.DEFAULTS : replay;
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

    /** Retry, circuit breaker and bulkhead settings (Resilience4j). */
    public record Resilience(
            Integer maxAttempts, Duration initialBackoff, Integer maxConcurrentCalls, Duration maxWaitForSlot) {
        public static final Resilience DEFAULTS = new Resilience(null, null, null, null);

        public Resilience {
            maxAttempts = atLeastOne("max-attempts", maxAttempts, 3);
            initialBackoff = initialBackoff == null ? Duration.ofMillis(200) : initialBackoff;
            maxConcurrentCalls = atLeastOne("max-concurrent-calls", maxConcurrentCalls, 64);
            maxWaitForSlot = maxWaitForSlot == null ? Duration.ZERO : maxWaitForSlot;
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
            latencyPerOutputToken = notNegative("latency-per-output-token", latencyPerOutputToken);
            firstTokenLatency = notNegative("first-token-latency", firstTokenLatency);
        }

        private static Duration notNegative(String what, Duration value) {
            if (value == null) {
                return Duration.ZERO;
            }
            if (value.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative but was " + value);
            }
            return value;
        }
    }
}
