package dev.ponder.gateway.observability;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.TokenUsage;
import dev.ponder.cascade.Trail;
import dev.ponder.cascade.Verdict;
import dev.ponder.gateway.outcomes.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Outcomes as the API publishes them, for listener tests. */
final class TestOutcomes {

    static final Instant STARTED = Instant.parse("2026-05-01T12:00:00Z");

    private TestOutcomes() {}

    static Attempt attempt(int tier, String backend, Verdict verdict, long latencyMs, Long firstTokenMs, double cost) {
        return attempt(tier, backend, verdict, latencyMs, firstTokenMs, cost, null);
    }

    /** A tier that refused to answer and was passed over for the next one. */
    static Attempt refusedAndClimbed(int tier, String backend) {
        return attempt(tier, backend, Verdict.ESCALATED, 100, null, 0.001, Attempt.BY_REFUSAL);
    }

    private static Attempt attempt(
            int tier,
            String backend,
            Verdict verdict,
            long latencyMs,
            Long firstTokenMs,
            double cost,
            String decidedBy) {
        return new Attempt(
                tier,
                backend,
                backend,
                backend + "-model",
                Duration.ofMillis(latencyMs),
                firstTokenMs == null ? null : Duration.ofMillis(firstTokenMs),
                new TokenUsage(10, 20),
                cost,
                Map.of(),
                verdict,
                verdict == Verdict.FAILED ? "upstream said 500" : null,
                decidedBy);
    }

    /** An outcome whose cascade ran {@code totalMs} from {@link #STARTED}; answered by the last accepted attempt. */
    static Outcome outcome(String policy, long totalMs, Attempt... attempts) {
        return outcome(false, policy, totalMs, attempts);
    }

    /** As {@link #outcome}, the accepted attempt's answer being the model's refusal to answer. */
    static Outcome refusal(String policy, long totalMs, Attempt... attempts) {
        return outcome(true, policy, totalMs, attempts);
    }

    private static Outcome outcome(boolean refused, String policy, long totalMs, Attempt... attempts) {
        List<Attempt> list = List.of(attempts);
        Attempt answered = list.stream()
                .filter(a -> a.verdict() == Verdict.ACCEPTED)
                .findFirst()
                .orElse(null);
        Trail trail = new Trail(policy, 0.4, list.getFirst().tier(), STARTED, Duration.ofMillis(totalMs), list);
        return new Outcome(
                "chatcmpl-test",
                STARTED,
                "ponder",
                false,
                answered == null ? 502 : 200,
                answered == null ? -1 : answered.tier(),
                refused,
                answered == null ? null : answered.backend(),
                answered == null ? null : answered.model(),
                totalMs,
                trail,
                answered == null ? "no backend could answer" : null,
                null,
                null,
                null);
    }
}
