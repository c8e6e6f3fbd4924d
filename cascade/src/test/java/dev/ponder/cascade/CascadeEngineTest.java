package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CascadeEngineTest {

    private static final ChatRequest HELLO = ChatRequest.of(List.of(ChatMessage.of(Role.USER, "hello")));

    @Test
    void startsAtTheTierTheScorePicksAndAcceptsItsAnswer() {
        FakeBackend small = new FakeBackend("small", "Hi there");
        FakeBackend large = new FakeBackend("large", "Hello!");
        CascadeResult result = engine(0.2).run(HELLO, policy(small, large));

        assertThat(result).isInstanceOf(CascadeResult.Answered.class);
        assertThat(((CascadeResult.Answered) result).answer().text()).isEqualTo("Hi there");
        assertThat(small.calls).hasSize(1);
        assertThat(large.calls).isEmpty();
        assertThat(result.trail().attempts()).extracting(Attempt::verdict).containsExactly(Verdict.ACCEPTED);
    }

    @Test
    void hardRequestsSkipTheCheapTier() {
        FakeBackend small = new FakeBackend("small", "Hi there");
        FakeBackend large = new FakeBackend("large", "Hello!");
        CascadeResult result = engine(0.9).run(HELLO, policy(small, large));

        assertThat(((CascadeResult.Answered) result).by().backend()).isEqualTo("large");
        assertThat(small.calls).isEmpty();
        assertThat(result.trail().startTier()).isEqualTo(1);
    }

    @Test
    void anAbstainingAnswerEscalatesToTheNextTier() {
        FakeBackend small = new FakeBackend("small", "I don't know.");
        FakeBackend large = new FakeBackend("large", "Paris");
        CascadeResult result = engine(0.1).run(HELLO, policy(small, large));

        assertThat(((CascadeResult.Answered) result).answer().text()).isEqualTo("Paris");
        assertThat(result.trail().attempts())
                .extracting(Attempt::verdict)
                .containsExactly(Verdict.ESCALATED, Verdict.ACCEPTED);
        assertThat(result.trail().escalations()).isEqualTo(1);
    }

    @Test
    void aFailingTierEscalatesAndTheTrailKeepsTheError() {
        FakeBackend small = new FakeBackend("small", null);
        FakeBackend large = new FakeBackend("large", "Paris");
        CascadeResult result = engine(0.1).run(HELLO, policy(small, large));

        assertThat(((CascadeResult.Answered) result).by().backend()).isEqualTo("large");
        assertThat(result.trail().attempts().getFirst().verdict()).isEqualTo(Verdict.FAILED);
        assertThat(result.trail().attempts().getFirst().error()).contains("small is down");
    }

    @Test
    void theTopTiersAbstentionIsFinal() {
        FakeBackend small = new FakeBackend("small", "I don't know");
        FakeBackend large = new FakeBackend("large", "I'm not sure.");
        CascadeResult result = engine(0.1).run(HELLO, policy(small, large));

        assertThat(((CascadeResult.Answered) result).answer().text()).isEqualTo("I'm not sure.");
        assertThat(small.calls).hasSize(1);
        assertThat(large.calls).hasSize(1);
    }

    @Test
    void failsWithTheLastErrorWhenEveryTierFails() {
        CascadeResult result =
                engine(0.1).run(HELLO, policy(new FakeBackend("small", null), new FakeBackend("large", null)));

        assertThat(result).isInstanceOf(CascadeResult.Failed.class);
        assertThat(((CascadeResult.Failed) result).error().getMessage()).contains("large is down");
        assertThat(result.trail().attempts()).hasSize(2);
    }

    @Test
    void escalationBudgetStopsTheClimb() {
        FakeBackend small = new FakeBackend("small", "I don't know");
        FakeBackend large = new FakeBackend("large", "Paris");
        CascadePolicy policy = new CascadePolicy(
                "p",
                List.of(new Tier("small", small), new Tier("large", large)),
                List.of(0.5),
                new Budget(0, java.time.Duration.ofSeconds(30), 1.0));
        CascadeResult result = engine(0.1).run(HELLO, policy);

        assertThat(((CascadeResult.Answered) result).answer().text()).isEqualTo("I don't know");
        assertThat(large.calls).isEmpty();
    }

    private static CascadeEngine engine(double score) {
        return new CascadeEngine(request -> score, new AbstentionDetector(), Clock.systemUTC());
    }

    private static CascadePolicy policy(FakeBackend small, FakeBackend large) {
        return new CascadePolicy(
                "default", List.of(new Tier("small", small), new Tier("large", large)), List.of(0.5), null);
    }

    /** Answers with a fixed text, or fails as a down server does when the text is null. */
    static final class FakeBackend implements ModelBackend {
        final String name;
        final String reply;
        final List<ChatRequest> calls = new ArrayList<>();

        FakeBackend(String name, String reply) {
            this.name = name;
            this.reply = reply;
        }

        @Override
        public BackendInfo info() {
            return new BackendInfo(name, "fake", name + "-model", null, null);
        }

        @Override
        public ChatAnswer chat(ChatRequest request) {
            calls.add(request);
            if (reply == null) {
                throw BackendException.escalate(name + " is down", null);
            }
            return new ChatAnswer(name + "-model", reply, null, null, new TokenUsage(3, 2), null, 0.001);
        }
    }

    @Test
    void routeThenStreamStreamsTheChosenTierLiveAndCannotTakeItBack() {
        FakeBackend small = new FakeBackend("small", "I don't know");
        FakeBackend large = new FakeBackend("large", "Paris");
        List<Delta> deltas = new ArrayList<>();
        CascadeResult result =
                engine(0.1).stream(HELLO, policy(small, large), StreamMode.ROUTE_THEN_STREAM, deltas::add);

        assertThat(deltas).containsExactly(new Delta.Text("I don't know"));
        assertThat(((CascadeResult.Answered) result).by().backend()).isEqualTo("small");
        assertThat(result.trail().attempts().getFirst().firstToken()).isNotNull();
        assertThat(large.calls).isEmpty();
    }

    @Test
    void verifyThenStreamChecksTheBufferedAnswerAndStreamsOnlyTheAcceptedOne() {
        FakeBackend small = new FakeBackend("small", "I don't know");
        FakeBackend large = new FakeBackend("large", "Paris");
        List<Delta> deltas = new ArrayList<>();
        CascadeResult result =
                engine(0.1).stream(HELLO, policy(small, large), StreamMode.VERIFY_THEN_STREAM, deltas::add);

        assertThat(deltas).containsExactly(new Delta.Text("Paris"));
        assertThat(result.trail().attempts())
                .extracting(Attempt::verdict)
                .containsExactly(Verdict.ESCALATED, Verdict.ACCEPTED);
        assertThat(result.trail().attempts().getFirst().firstToken()).isNotNull();
    }

    @Test
    void verifyThenStreamReplaysAnAcceptedBufferedAnswer() {
        FakeBackend small = new FakeBackend("small", "Hi there");
        FakeBackend large = new FakeBackend("large", "Hello!");
        List<Delta> deltas = new ArrayList<>();
        engine(0.1).stream(HELLO, policy(small, large), StreamMode.VERIFY_THEN_STREAM, deltas::add);

        assertThat(deltas).containsExactly(new Delta.Text("Hi there"));
        assertThat(large.calls).isEmpty();
    }

    @Test
    void aStreamThatFailsBeforeItsFirstTokenEscalates() {
        FakeBackend small = new FakeBackend("small", null);
        FakeBackend large = new FakeBackend("large", "Paris");
        List<Delta> deltas = new ArrayList<>();
        CascadeResult result =
                engine(0.1).stream(HELLO, policy(small, large), StreamMode.ROUTE_THEN_STREAM, deltas::add);

        assertThat(deltas).containsExactly(new Delta.Text("Paris"));
        assertThat(((CascadeResult.Answered) result).by().backend()).isEqualTo("large");
    }

    @Test
    void policyRejectsThresholdsThatDoNotMatchItsTiers() {
        FakeBackend small = new FakeBackend("small", "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CascadePolicy(
                        "p", List.of(new Tier("small", small), new Tier("large", small)), List.of(0.3, 0.6), null))
                .hasMessageContaining("needs 1 thresholds")
                .hasMessageContaining("[0.3, 0.6]");
    }
}
