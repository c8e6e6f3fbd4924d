package dev.ponder.gateway.observability;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.Trail;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Counts and times every request from its outcome: what was asked, where the classifier started it, how it climbed,
 * what it cost and how long it took. Meter names and tags are documented in docs/operations.md; tags carry only
 * configured names (policies, tiers, backends), never request content, so their number stays bounded.
 */
final class OutcomeMetrics implements OutcomeListener {

    static final String NONE = "none";

    /** The escalation reason of a tier that refused to answer (OpenAI's {@code message.refusal}). */
    static final String REFUSED = "refused";

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

    // Registered once per tag combination: building and registering meters per outcome cost more than the rest of
    // the listener (tag sorting, SLO buckets, the registry's lookup). Tag values are configured names, so few.
    private final Meters<Counter> requests;
    private final Meters<Counter> decisions;
    private final Meters<Timer> duration;
    private final Meters<Counter> escalations;
    private final Meters<Timer> attemptDuration;
    private final Meters<Timer> firstToken;
    private final Meters<Counter> cost;
    private final Meters<Counter> tokens;

    OutcomeMetrics(MeterRegistry registry) {
        requests = counters(
                registry,
                "ponder.requests",
                null,
                "Requests by policy, answering tier and backend, HTTP status, and outcome (answered, refused, failed)",
                "policy",
                "tier",
                "backend",
                "status",
                "outcome");
        decisions = counters(
                registry,
                "ponder.tier.decisions",
                null,
                "Where the difficulty classifier started requests",
                "policy",
                "tier");
        duration = timers(
                registry,
                "ponder.request.duration",
                "Time in the gateway per request, backends included",
                "policy",
                "status");
        escalations = counters(
                registry,
                "ponder.escalations",
                null,
                "Climbs from one tier to the next; reason is the lower attempt's verdict, or refused",
                "policy",
                "from",
                "to",
                "reason");
        attemptDuration =
                timers(registry, "ponder.attempt.duration", "Time per call to a backend", "backend", "verdict");
        firstToken =
                timers(registry, "ponder.attempt.first.token", "Time to a streamed attempt's first token", "backend");
        cost = counters(
                registry, "ponder.cost", "usd", "What attempts cost at the configured prices", "policy", "backend");
        tokens = counters(
                registry, "ponder.tokens", null, "Tokens sent to and received from backends", "backend", "direction");
    }

    private static Meters<Counter> counters(
            MeterRegistry registry, String name, String baseUnit, String description, String... keys) {
        return new Meters<>(
                tags -> Counter.builder(name)
                        .baseUnit(baseUnit)
                        .description(description)
                        .tags(tags)
                        .register(registry),
                keys);
    }

    private static Meters<Timer> timers(MeterRegistry registry, String name, String description, String... keys) {
        return new Meters<>(tags -> latency(name, description).tags(tags).register(registry), keys);
    }

    @Override
    public void onOutcome(Outcome outcome) {
        Trail trail = outcome.trail();
        List<Attempt> attempts = trail.attempts();
        String policy = trail.policy();
        String status = Integer.toString(outcome.httpStatus());
        String tier = outcome.answeredTier() >= 0 ? tierName(attempts, outcome.answeredTier()) : NONE;
        String backend = outcome.answeredBy() == null ? NONE : outcome.answeredBy();

        requests.get(policy, tier, backend, status, outcome.status()).increment();
        decisions
                .get(policy, attempts.isEmpty() ? NONE : attempts.getFirst().tierName())
                .increment();
        duration.get(policy, status).record(Duration.ofNanos(Math.round(outcome.totalMs() * 1_000_000)));

        for (int i = 0; i < attempts.size(); i++) {
            Attempt attempt = attempts.get(i);
            String verdict = attempt.verdict().name().toLowerCase(Locale.ROOT);
            if (i + 1 < attempts.size()) {
                // A refusal climbs as an "I don't know" does, but says something else about the tier.
                String reason = Attempt.BY_REFUSAL.equals(attempt.decidedBy()) ? REFUSED : verdict;
                escalations
                        .get(policy, attempt.tierName(), attempts.get(i + 1).tierName(), reason)
                        .increment();
            }
            attemptDuration.get(attempt.backend(), verdict).record(attempt.latency());
            if (attempt.firstToken() != null) {
                firstToken.get(attempt.backend()).record(attempt.firstToken());
            }
            cost.get(policy, attempt.backend()).increment(attempt.costUsd());
            tokens.get(attempt.backend(), "input").increment(attempt.usage().inputTokens());
            tokens.get(attempt.backend(), "output").increment(attempt.usage().outputTokens());
        }
    }

    /** One meter name's meters by tag values, each built and registered on first use. */
    private static final class Meters<M> {
        private final Map<List<String>, M> byValues = new ConcurrentHashMap<>();
        private final Function<Tags, M> register;
        private final String[] keys;

        Meters(Function<Tags, M> register, String... keys) {
            this.register = register;
            this.keys = keys;
        }

        /** The meter tagged with {@code values}, in the order of the keys. */
        M get(String... values) {
            return byValues.computeIfAbsent(List.of(values), this::register);
        }

        private M register(List<String> values) {
            Tags tags = Tags.empty();
            for (int i = 0; i < keys.length; i++) {
                tags = tags.and(keys[i], values.get(i));
            }
            return register.apply(tags);
        }
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
