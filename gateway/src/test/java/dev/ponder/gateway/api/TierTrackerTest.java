package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.AbstentionDetector;
import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadeEngine;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.CascadeResult;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.Tier;
import java.time.Clock;
import java.util.List;
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
        CascadeEngine engine = new CascadeEngine(request -> 0.0, new AbstentionDetector(), Clock.systemUTC());

        // The stream's headers are written by another thread, which may take the first delta only once the
        // cascade has failed: by then the tracker must still name the tier whose delta it is.
        CascadeResult result = engine.stream(
                ChatRequest.of(List.of(ChatMessage.of(Role.USER, "Hi"))),
                policy,
                policy.streamMode(),
                tracker.notingFirstDelta(delta -> {}));

        assertThat(result).isInstanceOf(CascadeResult.Failed.class);
        assertThat(tracker.answering()).isEqualTo(new TierTracker.Answering("flaky", "flaky", "gpt-4o"));
        assertThat(tracker.escalations()).isZero();
    }
}
