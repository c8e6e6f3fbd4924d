package dev.ponder.gateway.observability;

import static dev.ponder.gateway.observability.TestOutcomes.attempt;
import static dev.ponder.gateway.observability.TestOutcomes.outcome;
import static dev.ponder.gateway.observability.TestOutcomes.refusal;
import static dev.ponder.gateway.observability.TestOutcomes.refusedAndClimbed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutcomeMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OutcomeMetrics metrics = new OutcomeMetrics(registry);

    private double count(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    @Test
    void anEscalatedRequestCountsItsStartTierItsClimbAndTheAnsweringTier() {
        metrics.onOutcome(outcome(
                "default",
                900,
                attempt(0, "small", Verdict.ESCALATED, 100, null, 0),
                attempt(1, "large", Verdict.ACCEPTED, 700, 150L, 0.002)));

        assertThat(count(
                        "ponder.requests",
                        "policy",
                        "default",
                        "tier",
                        "large",
                        "backend",
                        "large",
                        "status",
                        "200",
                        "outcome",
                        "answered"))
                .isEqualTo(1);
        assertThat(count("ponder.tier.decisions", "policy", "default", "tier", "small"))
                .isEqualTo(1);
        assertThat(count(
                        "ponder.escalations",
                        "policy",
                        "default",
                        "from",
                        "small",
                        "to",
                        "large",
                        "reason",
                        "escalated"))
                .isEqualTo(1);
        assertThat(count("ponder.cost", "backend", "large")).isEqualTo(0.002);
        assertThat(count("ponder.tokens", "backend", "small", "direction", "output"))
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
    void outcomesWithTheSameTagsAddUpOnOneMeterAndNewTagsGetTheirOwn() {
        metrics.onOutcome(outcome("default", 100, attempt(0, "small", Verdict.ACCEPTED, 100, null, 0.001)));
        metrics.onOutcome(outcome("default", 200, attempt(0, "small", Verdict.ACCEPTED, 200, null, 0.001)));
        metrics.onOutcome(outcome("other", 300, attempt(0, "small", Verdict.ACCEPTED, 300, null, 0.001)));

        assertThat(registry.find("ponder.requests").tag("policy", "default").counters())
                .singleElement()
                .satisfies(c -> assertThat(c.count()).isEqualTo(2));
        assertThat(count("ponder.requests", "policy", "other")).isEqualTo(1);
        assertThat(registry.get("ponder.attempt.duration")
                        .tags("backend", "small", "verdict", "accepted")
                        .timer()
                        .totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(600);
    }

    @Test
    void aRequestNoTierAnsweredCountsAsNoneWithItsStatusAndAFailedClimb() {
        metrics.onOutcome(outcome(
                "default",
                300,
                attempt(0, "small", Verdict.FAILED, 100, null, 0),
                attempt(1, "large", Verdict.FAILED, 150, null, 0)));

        assertThat(count("ponder.requests", "tier", "none", "backend", "none", "status", "502", "outcome", "failed"))
                .isEqualTo(1);
        assertThat(count("ponder.escalations", "from", "small", "to", "large", "reason", "failed"))
                .isEqualTo(1);
        assertThat(registry.get("ponder.attempt.duration")
                        .tags("backend", "large", "verdict", "failed")
                        .timer()
                        .count())
                .isEqualTo(1);
    }

    /** A refusal is a 200 like an answer: the outcome tag is what tells them apart, as the outcome log's status does. */
    @Test
    void aRefusalCountsAsRefusedBesideTheAnswersOfItsBackend() {
        metrics.onOutcome(outcome("default", 100, attempt(0, "large", Verdict.ACCEPTED, 100, null, 0.001)));
        metrics.onOutcome(refusal("default", 100, attempt(0, "large", Verdict.ACCEPTED, 100, null, 0.001)));

        assertThat(count("ponder.requests", "backend", "large", "status", "200", "outcome", "refused"))
                .isEqualTo(1);
        assertThat(count("ponder.requests", "backend", "large", "status", "200", "outcome", "answered"))
                .isEqualTo(1);
    }

    @Test
    void aClimbAfterARefusalCountsAsRefusedNotAsAnIdk() {
        metrics.onOutcome(outcome(
                "default",
                900,
                refusedAndClimbed(0, "small"),
                attempt(1, "large", Verdict.ACCEPTED, 700, null, 0.002)));

        assertThat(count("ponder.escalations", "from", "small", "to", "large", "reason", "refused"))
                .isEqualTo(1);
        assertThat(registry.find("ponder.escalations")
                        .tag("reason", "escalated")
                        .counters())
                .isEmpty();
    }
}
