package dev.ponder.gateway.observability;

import static dev.ponder.gateway.observability.TestOutcomes.attempt;
import static dev.ponder.gateway.observability.TestOutcomes.outcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutcomeMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OutcomeMetrics metrics = new OutcomeMetrics(registry);

    @Test
    void anEscalatedRequestCountsItsStartTierItsClimbAndTheAnsweringTier() {
        metrics.onOutcome(outcome(
                "default",
                900,
                attempt(0, "small", Verdict.ESCALATED, 100, null, 0),
                attempt(1, "large", Verdict.ACCEPTED, 700, 150L, 0.002)));

        assertThat(registry.get("ponder.requests")
                        .tags("policy", "default", "tier", "large", "backend", "large", "status", "200")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ponder.tier.decisions")
                        .tags("policy", "default", "tier", "small")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ponder.escalations")
                        .tags("policy", "default", "from", "small", "to", "large", "reason", "escalated")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ponder.cost")
                        .tags("backend", "large")
                        .counter()
                        .count())
                .isEqualTo(0.002);
        assertThat(registry.get("ponder.tokens")
                        .tags("backend", "small", "direction", "output")
                        .counter()
                        .count())
                .isEqualTo(20);
        assertThat(registry.get("ponder.request.duration")
                        .tags("policy", "default", "status", "200")
                        .timer()
                        .totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(900);
        assertThat(registry.get("ponder.attempt.first.token")
                        .tags("backend", "large")
                        .timer()
                        .totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(150);
        assertThat(registry.find("ponder.attempt.first.token")
                        .tag("backend", "small")
                        .timer())
                .as("a call that did not stream has no first token")
                .isNull();
    }

    @Test
    void aRequestNoTierAnsweredCountsAsNoneWithItsStatusAndAFailedClimb() {
        metrics.onOutcome(outcome(
                "default",
                300,
                attempt(0, "small", Verdict.FAILED, 100, null, 0),
                attempt(1, "large", Verdict.FAILED, 150, null, 0)));

        assertThat(registry.get("ponder.requests")
                        .tags("tier", "none", "backend", "none", "status", "502")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ponder.escalations")
                        .tags("from", "small", "to", "large", "reason", "failed")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ponder.attempt.duration")
                        .tags("backend", "large", "verdict", "failed")
                        .timer()
                        .count())
                .isEqualTo(1);
    }
}
