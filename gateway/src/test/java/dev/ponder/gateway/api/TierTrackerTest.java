package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.AbstentionDetector;
import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadeEngine;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.CascadeResult;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.Fallback;
import dev.ponder.cascade.IdkCheck;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.Signal;
import dev.ponder.cascade.StreamMode;
import dev.ponder.cascade.Tier;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TierTrackerTest {

    @Test
    void aStreamThatBreaksAfterItsFirstDeltaIsStillNamedForTheTierThatSentIt() {
        TierTracker tracker = new TierTracker();
        CascadePolicy policy = tracker.track(new CascadePolicy(
                "direct",
                List.of(new Tier("flaky", new StreamOnlyBackend("flaky", (request, onDelta) -> {
                    // as an upstream that cuts its stream after its first delta
                    onDelta.accept(new Delta.Text("Hello"));
                    throw BackendException.escalate("connection closed mid-stream", null);
                }))),
                List.of(),
                Budget.UNLIMITED));

        // The stream's headers are written by another thread, which may take the first delta only once the
        // cascade has failed: by then the tracker must still name the tier whose delta it is.
        CascadeResult result = streamHi(tracker, policy);

        assertThat(result).isInstanceOf(CascadeResult.Failed.class);
        assertThat(tracker.answering()).isEqualTo(new TierTracker.Answering("flaky", "flaky", "gpt-4o"));
        assertThat(tracker.escalations()).isZero();
    }

    @Test
    void aFixedFallbackAnswerCountsTheEscalationsTheOutcomeLogCounts() {
        TierTracker tracker = new TierTracker();
        StreamOnlyBackend down = new StreamOnlyBackend("down", (request, onDelta) -> {
            throw BackendException.escalate("connection refused", null);
        });
        CascadePolicy policy = tracker.track(new CascadePolicy(
                "busy",
                List.of(new Tier("small", down), new Tier("large", down)),
                List.of(0.5),
                Budget.UNLIMITED,
                null,
                null,
                Fallback.answer("busy, retry")));

        CascadeResult result = streamHi(tracker, policy);

        assertThat(tracker.answering().tier()).isEqualTo("fallback");
        assertThat(tracker.escalations())
                .isEqualTo(result.trail().escalations())
                .isEqualTo(2);
    }

    @Test
    void aCheckSampleThatFailsLeavesTheAcceptedTierNamedNotTheFallback() {
        TierTracker tracker = new TierTracker();
        CascadePolicy policy = tracker.track(new CascadePolicy(
                "agree",
                List.of(
                        new Tier("small", new StreamOnlyBackend("small", (request, onDelta) -> {
                            onDelta.accept(new Delta.Text("Answer: 42"));
                            return new ChatAnswer("gpt-4o", "Answer: 42", null, null, null, null, 0, null);
                        })),
                        new Tier("large", new StreamOnlyBackend("large", (request, onDelta) -> {
                            throw new AssertionError("small's answer stands: its check could not run");
                        }))),
                List.of(0.5),
                Budget.UNLIMITED,
                new IdkCheck(Map.of(Signal.AGREEMENT, 0.5), 2, 1),
                StreamMode.VERIFY_THEN_STREAM,
                null));

        // The agreement sample (a whole call) fails after small's stream was buffered, before it is replayed.
        CascadeResult result = streamHi(tracker, policy);

        assertThat(result).isInstanceOf(CascadeResult.Answered.class);
        assertThat(tracker.answering()).isEqualTo(new TierTracker.Answering("small", "small", "gpt-4o"));
        assertThat(tracker.escalations()).isZero();
    }

    /** Streams "Hi" through the policy the tracker tracks, scored 0 (the first tier starts). */
    private static CascadeResult streamHi(TierTracker tracker, CascadePolicy policy) {
        CascadeEngine engine = new CascadeEngine(request -> 0.0, new AbstentionDetector(), Clock.systemUTC());
        return engine.stream(
                ChatRequest.of(List.of(ChatMessage.of(Role.USER, "Hi"))),
                policy,
                policy.streamMode(),
                tracker.notingFirstDelta(delta -> {}));
    }
}
