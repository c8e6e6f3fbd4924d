package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ponder.cascade.ScriptedBackend.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StreamModesTest {

    private static final ChatRequest ASK = ChatRequest.of(List.of(ChatMessage.of(Role.USER, "Capital of France?")));
    private static final BackendException CUT = BackendException.escalate("connection reset mid-stream", null);

    private final ManualClock clock = new ManualClock();
    private final List<Delta> client = new ArrayList<>();
    /** Breaks off after two words, for the tests of cut streams. */
    private final ScriptedBackend cutting = new ScriptedBackend(
            "small", clock, Reply.text("Paris is the capital").cutAfter(2, CUT));

    private final ScriptedBackend steady = new ScriptedBackend("large", clock, Reply.text("Paris"));

    @Test
    void everyAttemptRecordsItsTimeToFirstToken() {
        ScriptedBackend small =
                new ScriptedBackend("small", clock, Reply.text("I don't know").taking(Duration.ofMillis(30)));
        ScriptedBackend large =
                new ScriptedBackend("large", clock, Reply.text("It is Paris").taking(Duration.ofMillis(200)));

        CascadeResult result = engine().stream(
                ASK, policy(IdkCheck.ABSTENTION_ONLY, null, small, large), StreamMode.VERIFY_THEN_STREAM, client::add);

        assertThat(result.trail().attempts())
                .extracting(Attempt::firstToken, Attempt::latency)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Duration.ofMillis(40), Duration.ofMillis(60)),
                        org.assertj.core.groups.Tuple.tuple(Duration.ofMillis(210), Duration.ofMillis(230)));
        assertThat(text(client)).isEqualTo("It is Paris");
    }

    @Test
    void routeThenStreamFailsCleanlyWhenTheStreamIsCutMidWay() {

        CascadeResult result = engine().stream(
                ASK,
                policy(IdkCheck.ABSTENTION_ONLY, Fallback.answer("later"), cutting, steady),
                StreamMode.ROUTE_THEN_STREAM,
                client::add);

        // The client holds "Paris is": neither another tier's answer nor the fallback can be spliced on to it.
        assertThat(text(client)).isEqualTo("Paris is");
        assertThat(result).isInstanceOfSatisfying(CascadeResult.Failed.class, f -> assertThat(f.error())
                .isSameAs(CUT));
        assertThat(steady.calls).isEmpty();
        Attempt cut = result.trail().attempts().getFirst();
        assertThat(cut.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(cut.firstToken()).isEqualTo(Duration.ofMillis(50));
    }

    /** The backend counts nothing for a stream that breaks off, yet charges for the prompt and what it sent. */
    @Test
    void aStreamCutMidWayCountsAndCostsWhatReachedTheClient() {
        ScriptedBackend priced = cutting.priced(new Price(2.5, 10));

        CascadeResult result = engine().stream(
                ASK, policy(IdkCheck.ABSTENTION_ONLY, null, priced, steady), StreamMode.ROUTE_THEN_STREAM, client::add);

        assertThat(text(client)).isEqualTo("Paris is");
        Attempt cut = result.trail().attempts().getFirst();
        // "Capital of France?" is 18 characters, "Paris is" 8: about 4 characters a token.
        assertThat(cut.usage()).isEqualTo(new TokenUsage(5, 2));
        assertThat(cut.costUsd()).isCloseTo((5 * 2.5 + 2 * 10) / 1e6, within(1e-12));
        assertThat(result.trail().costUsd()).isEqualTo(cut.costUsd());
    }

    @Test
    void aStreamThatFailsBeforeReachingTheClientCountsNothing() {
        ScriptedBackend priced = new ScriptedBackend("small", clock, Reply.down()).priced(new Price(2.5, 10));

        CascadeResult result = engine().stream(
                ASK, policy(IdkCheck.ABSTENTION_ONLY, null, priced, steady), StreamMode.ROUTE_THEN_STREAM, client::add);

        assertThat(text(client)).isEqualTo("Paris");
        Attempt failed = result.trail().attempts().getFirst();
        assertThat(failed.usage()).isEqualTo(TokenUsage.NONE);
        assertThat(failed.costUsd()).isZero();
    }

    @Test
    void verifyThenStreamClimbsPastABufferedStreamCutMidWay() {

        CascadeResult result = engine().stream(
                ASK,
                policy(IdkCheck.ABSTENTION_ONLY, null, cutting, steady),
                StreamMode.VERIFY_THEN_STREAM,
                client::add);

        assertThat(text(client)).isEqualTo("Paris");
        assertThat(((CascadeResult.Answered) result).by().backend()).isEqualTo("large");
    }

    @Test
    void verifyThenStreamFailsWhenTheLiveTopTierIsCutMidWay() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.text("I don't know"));
        ScriptedBackend large = new ScriptedBackend(
                "large", clock, Reply.text("Paris is the capital").cutAfter(3, CUT));

        CascadeResult result = engine().stream(
                ASK, policy(IdkCheck.ABSTENTION_ONLY, null, small, large), StreamMode.VERIFY_THEN_STREAM, client::add);

        assertThat(text(client)).isEqualTo("Paris is the");
        assertThat(result).isInstanceOf(CascadeResult.Failed.class);
    }

    @Test
    void routeThenStreamEscalatesAStreamThatFailsBeforeItsFirstToken() {
        ScriptedBackend small = new ScriptedBackend("small", clock, Reply.down());
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris"));

        CascadeResult result = engine().stream(
                ASK, policy(IdkCheck.ABSTENTION_ONLY, null, small, large), StreamMode.ROUTE_THEN_STREAM, client::add);

        assertThat(text(client)).isEqualTo("Paris");
        assertThat(result.trail().attempts().getFirst().firstToken()).isNull();
    }

    /** For each signal: a buffered answer it doubts never reaches the client; one it trusts streams as it came. */
    @ParameterizedTest
    @EnumSource(Signal.class)
    void verifyThenStreamHoldsBackWhatEachSignalDoubts(Signal signal) {
        IdkCheck check = new IdkCheck(Map.of(signal, 0.5), 2, 1);
        ScriptedBackend doubtful = new ScriptedBackend("small", clock, doubted(signal));
        ScriptedBackend large = new ScriptedBackend("large", clock, Reply.text("Paris, of course"));

        CascadeResult climbed =
                engine().stream(ASK, policy(check, null, doubtful, large), StreamMode.VERIFY_THEN_STREAM, client::add);

        assertThat(text(client)).isEqualTo("Paris, of course");
        assertThat(climbed.trail().attempts().getFirst().decidedBy()).isEqualTo(signal.key());
        assertThat(climbed.trail().attempts().getFirst().signals()).containsKey(signal.key());

        client.clear();
        ScriptedBackend trusted = new ScriptedBackend("small", clock, trusted(signal));
        CascadeResult kept =
                engine().stream(ASK, policy(check, null, trusted, large), StreamMode.VERIFY_THEN_STREAM, client::add);

        assertThat(client).hasSizeGreaterThan(1).allMatch(Delta.Text.class::isInstance);
        assertThat(text(client)).startsWith("The answer is Paris");
        assertThat(kept.trail().attempts()).hasSize(1);
    }

    private static Reply[] doubted(Signal signal) {
        return switch (signal) {
            case ABSTENTION -> new Reply[] {Reply.text("I'm not sure, sorry.")};
            case LOGPROBS -> new Reply[] {Reply.text("The answer is Lyon").withLogprobs(-3, -2, -4, -2.5)};
            case SCORER -> new Reply[] {Reply.text("The answer is Lyon")};
            case AGREEMENT -> new Reply[] {Reply.text("The answer is Lyon"), Reply.text("The answer is Nice")};
            case VERIFICATION -> new Reply[] {Reply.text("The answer is Lyon"), Reply.text("No")};
        };
    }

    private static Reply[] trusted(Signal signal) {
        Reply answer = Reply.text("The answer is Paris.");
        return switch (signal) {
            case ABSTENTION, SCORER, AGREEMENT -> new Reply[] {answer};
            case LOGPROBS -> new Reply[] {answer.withLogprobs(-0.01, -0.02, -0.01, -0.1)};
            case VERIFICATION -> new Reply[] {answer, Reply.text("Yes")};
        };
    }

    private CascadeEngine engine() {
        AnswerSignal scorer = (request, answer) -> answer.text().contains("Paris") ? 0.9 : 0.1;
        return new CascadeEngine(request -> 0.0, new AbstentionDetector(), scorer, LogprobConfidence.PRIOR, clock);
    }

    private static CascadePolicy policy(IdkCheck check, Fallback fallback, ModelBackend small, ModelBackend large) {
        return new CascadePolicy(
                "p",
                List.of(new Tier("small", small), new Tier("large", large)),
                List.of(0.5),
                null,
                check,
                null,
                fallback);
    }

    private static String text(List<Delta> deltas) {
        StringBuilder s = new StringBuilder();
        deltas.forEach(d -> s.append(((Delta.Text) d).text()));
        return s.toString();
    }
}
