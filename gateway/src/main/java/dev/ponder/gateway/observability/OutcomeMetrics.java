package dev.ponder.gateway.observability;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.Trail;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Counts and times every request from its outcome: what was asked, where the classifier started it, how it climbed,
 * what it cost and how long it took. Meter names and tags are documented in docs/operations.md; tags carry only
 * configured names (policies, tiers, backends), never request content, so their number stays bounded.
 */
final class OutcomeMetrics implements OutcomeListener {

    static final String NONE = "none";

    /** Buckets from a cached local answer to a long hosted generation. */
    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofSeconds(120)
    };

    private final MeterRegistry registry;

    OutcomeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onOutcome(Outcome outcome) {
        Trail trail = outcome.trail();
        List<Attempt> attempts = trail.attempts();
        String policy = trail.policy();
        String status = Integer.toString(outcome.httpStatus());
        String tier = outcome.answeredTier() >= 0 ? tierName(attempts, outcome.answeredTier()) : NONE;
        String backend = outcome.answeredBy() == null ? NONE : outcome.answeredBy();

        Counter.builder("ponder.requests")
                .description("Requests by policy, answering tier and backend, and HTTP status")
                .tags("policy", policy, "tier", tier, "backend", backend, "status", status)
                .register(registry)
                .increment();
        Counter.builder("ponder.tier.decisions")
                .description("Where the difficulty classifier started requests")
                .tags(
                        "policy",
                        policy,
                        "tier",
                        attempts.isEmpty() ? NONE : attempts.getFirst().tierName())
                .register(registry)
                .increment();
        latency("ponder.request.duration", "Time in the gateway per request, backends included")
                .tags("policy", policy, "status", status)
                .register(registry)
                .record(Duration.ofNanos(Math.round(outcome.totalMs() * 1_000_000)));

        for (int i = 0; i < attempts.size(); i++) {
            Attempt attempt = attempts.get(i);
            String verdict = attempt.verdict().name().toLowerCase(Locale.ROOT);
            if (i + 1 < attempts.size()) {
                Counter.builder("ponder.escalations")
                        .description("Climbs from one tier to the next; reason is the lower attempt's verdict")
                        .tags(
                                "policy",
                                policy,
                                "from",
                                attempt.tierName(),
                                "to",
                                attempts.get(i + 1).tierName(),
                                "reason",
                                verdict)
                        .register(registry)
                        .increment();
            }
            latency("ponder.attempt.duration", "Time per call to a backend")
                    .tags("backend", attempt.backend(), "verdict", verdict)
                    .register(registry)
                    .record(attempt.latency());
            if (attempt.firstToken() != null) {
                latency("ponder.attempt.first.token", "Time to a streamed attempt's first token")
                        .tags("backend", attempt.backend())
                        .register(registry)
                        .record(attempt.firstToken());
            }
            Counter.builder("ponder.cost")
                    .baseUnit("usd")
                    .description("What attempts cost at the configured prices")
                    .tags("policy", policy, "backend", attempt.backend())
                    .register(registry)
                    .increment(attempt.costUsd());
            tokens(attempt.backend(), "input", attempt.usage().inputTokens());
            tokens(attempt.backend(), "output", attempt.usage().outputTokens());
        }
    }

    private void tokens(String backend, String direction, int count) {
        Counter.builder("ponder.tokens")
                .description("Tokens sent to and received from backends")
                .tags("backend", backend, "direction", direction)
                .register(registry)
                .increment(count);
    }

    private static Timer.Builder latency(String name, String description) {
        return Timer.builder(name)
                .description(description)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .minimumExpectedValue(LATENCY_BUCKETS[0])
                .maximumExpectedValue(LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1]);
    }

    /** The name of the tier that answered: the last attempt at that index. */
    private static String tierName(List<Attempt> attempts, int tier) {
        for (int i = attempts.size() - 1; i >= 0; i--) {
            if (attempts.get(i).tier() == tier) {
                return attempts.get(i).tierName();
            }
        }
        return Integer.toString(tier);
    }
}
