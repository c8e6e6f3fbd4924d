package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.ponder.cascade.ScriptedBackend.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CascadeEngineTest {

    private static final ChatRequest HELLO = ChatRequest.of(List.of(ChatMessage.of(Role.USER, "hello")));

    private final ManualClock clock = new ManualClock();

    @Test
    void climbsAsManyTiersAsAPolicyHas() {
        int n = 7;
        List<ScriptedBackend> backends = IntStream.range(0, n)
                .mapToObj(i -> new ScriptedBackend("t" + i, clock, Reply.text(i < n - 2 ? "I don't know" : "Hi")))
                .toList();
        List<Tier> tiers =
                backends.stream().map(b -> new Tier(b.info().name(), b)).toList();

        CascadeResult result = engine(0.0).run(HELLO, new CascadePolicy("seven", tiers, null, null));

        assertThat(((CascadeResult.Answered) result).by().tierName()).isEqualTo("t5");
        assertThat(result.trail().escalations()).isEqualTo(5);
        assertThat(backends).extracting(b -> b.calls.size()).containsExactly(1, 1, 1, 1, 1, 1, 0);
    }

    @Test
    void evenlySpacedThresholdsStartEachScoreBandAtItsOwnTier() {
        List<Tier> tiers = IntStream.range(0, 4)
                .mapToObj(i -> new Tier("t" + i, new ScriptedBackend("t" + i, clock, Reply.text("Hi"))))
                .toList();
        CascadePolicy policy = new CascadePolicy("four", tiers, null, null);

        assertThat(List.of(0.1, 0.3, 0.6, 0.9))
                .extracting(score -> engine(score).route(HELLO, policy).startTier())
                .containsExactly(0, 1, 2, 3);
    }

    @Test
    void asksForLogprobsOnlyWhereTheCheckReadsThemAndTheTierOffersThem() {
        ScriptedBackend capable =
                new ScriptedBackend("small", clock, Reply.text("Hi").withLogprobs(-0.1, -0.2));
        ScriptedBackend top = new ScriptedBackend("large", clock, Reply.text("Hello"));
        CascadePolicy policy = policy(capable, top, new IdkCheck(Map.of(Signal.LOGPROBS, 0.5), 2, 1));

        CascadeResult result = engine(0.0).run(HELLO, policy);

        assertThat(capable.calls.getFirst().options().logprobs()).isTrue();
        assertThat(HELLO.options().logprobs()).isNull();
        assertThat(result.trail().attempts().getFirst().signals())
                .containsKeys("logprobs", "logprobs.mean", "logprobs.min", "logprobs.unsure", "logprobs.length");
    }

    @Test
    void signalCallsAreChargedToTheirAttempt() {
        ScriptedBackend small = new ScriptedBackend(
                "small",
                clock,
                Reply.text("Answer: 4").costing(0.001),
                Reply.text("Answer: 4").costing(0.002));
        CascadePolicy policy = policy(
                small,
                new ScriptedBackend("large", clock, Reply.text("4")),
                new IdkCheck(Map.of(Signal.AGREEMENT, 0.5), 3, 1));

        Attempt attempt = ((CascadeResult.Answered) engine(0.0).run(HELLO, policy)).by();

        assertThat(small.calls).hasSize(3);
        assertThat(attempt.costUsd()).isCloseTo(0.005, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(attempt.signals()).containsEntry("agreement", 1.0);
        assertThat(attempt.usage().inputTokens()).isEqualTo(30);
    }

    @Test
    void nChoicesComeFromTheTierWhoseFirstAnswerPassedAndEveryCallIsCharged() {
        ScriptedBackend small =
                new ScriptedBackend("small", clock, Reply.text("I don't know").costing(0.001));
        ScriptedBackend large =
                new ScriptedBackend("large", clock, Reply.text("Paris").costing(0.01));
        ChatRequest three =
                HELLO.withOptions(new SamplingOptions(null, null, null, null, null, 3, null, null, null, null, false));

        CascadeResult.Answered answered = (CascadeResult.Answered) engine(0.1).run(three, policy(small, large));

        assertThat(answered.choices()).hasSize(3).extracting(ChatAnswer::text).containsOnly("Paris");
        assertThat(small.calls).hasSize(1);
        assertThat(large.calls).hasSize(3);
        assertThat(answered.by().costUsd()).isCloseTo(0.03, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(answered.by().usage().inputTokens()).isEqualTo(30);
        assertThat(answered.trail().attempts().getLast()).isEqualTo(answered.by());
        assertThat(answered.trail().costUsd()).isCloseTo(0.031, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void aFurtherChoiceThatFailsFailsTheRequest() {
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"), Reply.down());
        ChatRequest two =
                HELLO.withOptions(new SamplingOptions(null, null, null, null, null, 2, null, null, null, null, false));

        CascadeResult result =
                engine(0.9).run(two, policy(new ScriptedBackend("small", clock, Reply.text("x")), large));

        assertThat(result).isInstanceOf(CascadeResult.Failed.class);
    }

    @Test
    void anInterruptedCallerGetsNoFurtherTierNorFallback() {
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"));
        // A call whose thread was interrupted under it: it fails as interrupted and leaves the thread interrupted.
        ModelBackend interrupted = new ModelBackend() {
            @Override
            public BackendInfo info() {
                return new ScriptedBackend("small", clock, Reply.text("x")).info();
            }

            @Override
            public ChatAnswer chat(ChatRequest request) {
                Thread.currentThread().interrupt();
                throw BackendException.escalate("backend 'small': interrupted", null);
            }
        };

        CascadeResult result;
        try {
            result = engine(0.1).run(HELLO, policy(interrupted, large).withFallback(Fallback.answer("sorry")));
        } finally {
            Thread.interrupted();
        }

        assertThat(result).isInstanceOf(CascadeResult.Failed.class);
        assertThat(result.trail().attempts()).extracting(Attempt::backend).containsExactly("small");
        assertThat(large.calls).isEmpty();
    }

    @Test
    void verifyThenStreamReplaysAnAcceptedBufferedAnswerAsItArrived() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.text("Hi there you"));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Hello!"));
        List<Delta> deltas = new ArrayList<>();

        engine(0.1).stream(HELLO, policy(small, large), StreamMode.VERIFY_THEN_STREAM, deltas::add);

        assertThat(deltas).containsExactly(new Delta.Text("Hi"), new Delta.Text(" there"), new Delta.Text(" you"));
        assertThat(large.calls).isEmpty();
    }

    @Test
    void routeThenStreamStreamsTheChosenTierLiveAndCannotTakeItBack() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.text("I don't know"));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"));
        List<Delta> deltas = new ArrayList<>();

        CascadeResult result =
                engine(0.1).stream(HELLO, policy(small, large), StreamMode.ROUTE_THEN_STREAM, deltas::add);

        assertThat(((CascadeResult.Answered) result).by().decidedBy()).isEqualTo(Attempt.BY_STREAMED);
        assertThat(large.calls).isEmpty();
    }

    @Test
    void aRefusalClimbsWithoutAnIdkCheckWhateverTheSignalsSay() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.refusal("I can't help with that."));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"));
        // A threshold of 0 records abstention without acting on it: no signal would doubt anything.
        CascadePolicy policy = policy(small, large, new IdkCheck(Map.of(Signal.ABSTENTION, 0.0), 2, 1));

        CascadeResult.Answered answered = (CascadeResult.Answered) engine(0.1).run(HELLO, policy);

        assertThat(answered.answer().text()).isEqualTo("Paris");
        assertThat(answered.answer().refused()).isFalse();
        Attempt refused = answered.trail().attempts().getFirst();
        assertThat(refused.verdict()).isEqualTo(Verdict.ESCALATED);
        assertThat(refused.decidedBy()).isEqualTo(Attempt.BY_REFUSAL);
        assertThat(refused.signals()).as("no check was paid for").isEmpty();
        assertThat(refused.error()).isNull();
        assertThat(small.calls).hasSize(1);
    }

    @Test
    void whenEveryTierRefusesTheLastRefusalIsTheAnswerWithItsTokensCounted() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.refusal("No."));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.refusal("I can't help with that."));

        CascadeResult result = engine(0.1).run(HELLO, policy(small, large));

        CascadeResult.Answered answered = (CascadeResult.Answered) result;
        assertThat(answered.answer().refusal()).isEqualTo("I can't help with that.");
        assertThat(answered.answer().text()).isEmpty();
        assertThat(answered.answer().finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(answered.by().tierName()).isEqualTo("large");
        assertThat(answered.trail().attempts())
                .extracting(Attempt::verdict, Attempt::decidedBy)
                .containsExactly(
                        tuple(Verdict.ESCALATED, Attempt.BY_REFUSAL), tuple(Verdict.ACCEPTED, Attempt.BY_LAST_TIER));
        assertThat(answered.by().usage()).isEqualTo(new TokenUsage(10, 5));
    }

    @Test
    void verifyThenStreamHoldsBackALowerTiersRefusalAndStreamsTheLastTiersAsRefusalDeltas() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.refusal("No."));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.refusal("I can't help"));
        List<Delta> deltas = new ArrayList<>();

        CascadeResult result =
                engine(0.1).stream(HELLO, policy(small, large), StreamMode.VERIFY_THEN_STREAM, deltas::add);

        assertThat(deltas)
                .containsExactly(new Delta.Refusal("I"), new Delta.Refusal(" can't"), new Delta.Refusal(" help"));
        assertThat(((CascadeResult.Answered) result).answer().refusal()).isEqualTo("I can't help");
    }

    @Test
    void aRefusalTheCostBudgetLeavesNoRoomToClimbFromIsTheAnswer() {
        ScriptedBackend small = new ScriptedBackend(
                "small", clock, Reply.refusal("I can't help with that.").costing(0.01));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"));
        // No signal acts (threshold 0): only the refusal doubts the answer, and the budget keeps it.
        CascadePolicy policy = new CascadePolicy(
                "p",
                List.of(new Tier("small", small), new Tier("large", large)),
                List.of(0.5),
                new Budget(2, java.time.Duration.ofSeconds(30), 0.005),
                new IdkCheck(Map.of(Signal.ABSTENTION, 0.0), 2, 1),
                null,
                null);

        CascadeResult.Answered answered = (CascadeResult.Answered) engine(0.1).run(HELLO, policy);

        assertThat(answered.answer().refusal()).isEqualTo("I can't help with that.");
        assertThat(answered.by().decidedBy()).isEqualTo(Attempt.BY_BUDGET);
        assertThat(large.calls).isEmpty();
    }

    @Test
    void routeThenStreamStreamsTheStartingTiersRefusalLiveAsTheAnswer() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.refusal("No thanks"));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"));
        List<Delta> deltas = new ArrayList<>();

        CascadeResult result =
                engine(0.1).stream(HELLO, policy(small, large), StreamMode.ROUTE_THEN_STREAM, deltas::add);

        assertThat(deltas).containsExactly(new Delta.Refusal("No"), new Delta.Refusal(" thanks"));
        assertThat(((CascadeResult.Answered) result).answer().refusal()).isEqualTo("No thanks");
        assertThat(large.calls).isEmpty();
    }

    @Test
    void aRequestNoTierCanServeIsRefused() {
        ChatRequest withImage = ChatRequest.of(List.of(new ChatMessage(
                Role.USER, List.of(new ContentPart.Image("https://example.com/cat.png", null)), null, null, null)));
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.text("Hi"));

        ChatRequest withTool = new ChatRequest(
                HELLO.messages(),
                null,
                List.of(new ToolSpec("get_weather", null, null, null)),
                null,
                null,
                null,
                null,
                null,
                null,
                null);

        CascadeResult images = engine(0.1).run(withImage, policy(small, small));
        CascadeResult tools = engine(0.1).run(withTool, policy(small, small));

        // The client's 400 names what it must drop, as every refused field is named.
        assertThat(((CascadeResult.Failed) images).error()).satisfies(e -> {
            assertThat(e.failure()).isEqualTo(BackendException.Failure.REJECTED);
            assertThat(e.errorParam()).isEqualTo("messages");
            assertThat(e.getMessage()).endsWith("accepts images");
        });
        assertThat(((CascadeResult.Failed) tools).error()).satisfies(e -> {
            assertThat(e.failure()).isEqualTo(BackendException.Failure.REJECTED);
            assertThat(e.errorParam()).isEqualTo("tools");
            assertThat(e.getMessage()).endsWith("accepts tools");
        });
        assertThat(small.calls).isEmpty();
    }

    @Test
    void aRequestATiersProtocolCannotTakeClimbsAndIsRefusedOnlyWhenNoTierTakesIt() {
        BackendException unsupported = BackendException.unsupported("no JSON mode", "response_format", null);
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.failure(unsupported));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"));

        CascadeResult climbed = engine(0.1).run(HELLO, policy(small, large));
        CascadeResult refused = engine(0.9).run(HELLO, policy(large, small));

        assertThat(((CascadeResult.Answered) climbed).by().tierName()).isEqualTo("large");
        // The last tier could not take it either: the client's 400, naming the field, not a 503.
        assertThat(((CascadeResult.Failed) refused).error()).satisfies(e -> {
            assertThat(e.failure()).isEqualTo(BackendException.Failure.REJECTED);
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.errorParam()).isEqualTo("response_format");
        });
    }

    @Test
    void policyRejectsThresholdsThatDoNotMatchItsTiers() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.text("x"));
        assertThatThrownBy(() -> new CascadePolicy(
                        "p", List.of(new Tier("small", small), new Tier("large", small)), List.of(0.3, 0.6), null))
                .hasMessageContaining("needs 1 thresholds")
                .hasMessageContaining("[0.3, 0.6]");
    }

    @Test
    void idkCheckRejectsThresholdsOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new IdkCheck(Map.of(Signal.SCORER, 1.5), 2, 1))
                .hasMessageContaining("scorer")
                .hasMessageContaining("1.5");
    }

    private CascadeEngine engine(double score) {
        return new CascadeEngine(request -> score, new AbstentionDetector(), clock);
    }

    private static CascadePolicy policy(ModelBackend small, ModelBackend large) {
        return new CascadePolicy(
                "default", List.of(new Tier("small", small), new Tier("large", large)), List.of(0.5), null);
    }

    private static CascadePolicy policy(ModelBackend small, ModelBackend large, IdkCheck idk) {
        return new CascadePolicy(
                "p", List.of(new Tier("small", small), new Tier("large", large)), List.of(0.5), null, idk, null, null);
    }
}
