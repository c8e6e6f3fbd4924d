package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.ScriptedBackend.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a request can go through a three-tier cascade, one row each: where it starts, what each tier says, the
 * check and the budget, and then who answered and what settled each attempt ({@code tier:decidedBy}).
 */
class DecisionPathTest {

    private static final ChatRequest ASK = ChatRequest.of(List.of(ChatMessage.of(Role.USER, "Capital of France?")));
    private static final Budget ROOMY = new Budget(10, Duration.ofSeconds(30), 1.0);
    private static final BackendException REFUSED = new BackendException(
            BackendException.Action.GIVE_UP, "bad request", 400, "invalid_request_error", null, null);

    /** One path. {@code answeredBy} is null when the request fails; {@code fallback} may be null. */
    record Case(
            String name,
            double score,
            IdkCheck idk,
            Budget budget,
            List<Reply> small,
            List<Reply> medium,
            List<Reply> large,
            Fallback fallback,
            String answeredBy,
            List<String> path,
            BackendException.Failure failure) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> paths() {
        IdkCheck abstention = IdkCheck.ABSTENTION_ONLY;
        IdkCheck logprobs = only(Signal.LOGPROBS, 0.5);
        IdkCheck scorer = only(Signal.SCORER, 0.5);
        IdkCheck agreement = new IdkCheck(Map.of(Signal.AGREEMENT, 0.6), 3, 1);
        IdkCheck verification = only(Signal.VERIFICATION, 0.5);
        List<Reply> paris = List.of(Reply.text("Paris"));
        List<Reply> idk = List.of(Reply.text("I don't know."));
        List<Reply> down = List.of(Reply.down());
        return Stream.of(
                new Case(
                        "an easy request is answered by the cheap tier",
                        0.1,
                        abstention,
                        ROOMY,
                        paris,
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:signals"),
                        null),
                new Case(
                        "a middling request skips the cheap tier",
                        0.5,
                        abstention,
                        ROOMY,
                        paris,
                        paris,
                        paris,
                        null,
                        "medium",
                        List.of("medium:signals"),
                        null),
                new Case(
                        "a hard request goes straight to the top, unchecked",
                        0.9,
                        abstention,
                        ROOMY,
                        paris,
                        paris,
                        idk,
                        null,
                        "large",
                        List.of("large:last-tier"),
                        null),
                new Case(
                        "an abstention climbs one tier",
                        0.1,
                        abstention,
                        ROOMY,
                        idk,
                        paris,
                        paris,
                        null,
                        "medium",
                        List.of("small:abstention", "medium:signals"),
                        null),
                new Case(
                        "abstentions climb to the top, whose answer is final",
                        0.1,
                        abstention,
                        ROOMY,
                        idk,
                        idk,
                        idk,
                        null,
                        "large",
                        List.of("small:abstention", "medium:abstention", "large:last-tier"),
                        null),
                new Case(
                        "unsure logprobs climb",
                        0.1,
                        logprobs,
                        ROOMY,
                        List.of(Reply.text("Lyon").withLogprobs(-2.5, -3, -1.9)),
                        paris,
                        paris,
                        null,
                        "medium",
                        List.of("small:logprobs", "medium:signals"),
                        null),
                new Case(
                        "sure logprobs are accepted",
                        0.1,
                        logprobs,
                        ROOMY,
                        List.of(Reply.text("Paris").withLogprobs(-0.01, -0.05)),
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:signals"),
                        null),
                new Case(
                        "without logprobs that signal does not decide",
                        0.1,
                        logprobs,
                        ROOMY,
                        paris,
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:signals"),
                        null),
                new Case(
                        "a doubting answer scorer climbs",
                        0.1,
                        scorer,
                        ROOMY,
                        List.of(Reply.text("Lyon")),
                        paris,
                        paris,
                        null,
                        "medium",
                        List.of("small:scorer", "medium:signals"),
                        null),
                new Case(
                        "samples that disagree climb",
                        0.1,
                        agreement,
                        ROOMY,
                        List.of(Reply.text("Answer: A"), Reply.text("Answer: B"), Reply.text("Answer: C")),
                        paris,
                        paris,
                        null,
                        "medium",
                        List.of("small:agreement", "medium:signals"),
                        null),
                new Case(
                        "samples that agree on the stated answer are accepted",
                        0.1,
                        agreement,
                        ROOMY,
                        List.of(Reply.text("Answer: A"), Reply.text("The answer is (A)."), Reply.text("answer: a")),
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:signals"),
                        null),
                new Case(
                        "a model that rejects its own answer climbs",
                        0.1,
                        verification,
                        ROOMY,
                        List.of(Reply.text("Lyon"), Reply.text("No.")),
                        List.of(Reply.text("Paris"), Reply.text("Yes, it is.")),
                        paris,
                        null,
                        "medium",
                        List.of("small:verification", "medium:signals"),
                        null),
                new Case(
                        "a model that confirms its answer is believed",
                        0.1,
                        verification,
                        ROOMY,
                        List.of(Reply.text("Paris"), Reply.text("Yes")),
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:signals"),
                        null),
                new Case(
                        "a failing tier climbs",
                        0.1,
                        abstention,
                        ROOMY,
                        down,
                        paris,
                        paris,
                        null,
                        "medium",
                        List.of("small:error", "medium:signals"),
                        null),
                new Case(
                        "when every tier fails the last failure is the result",
                        0.1,
                        abstention,
                        ROOMY,
                        down,
                        down,
                        List.of(Reply.failure(BackendException.timeout("large timed out", null))),
                        null,
                        null,
                        List.of("small:error", "medium:error", "large:error"),
                        BackendException.Failure.TIMEOUT),
                new Case(
                        "a refused request does not climb",
                        0.1,
                        abstention,
                        ROOMY,
                        List.of(Reply.failure(REFUSED)),
                        paris,
                        paris,
                        Fallback.answer("sorry"),
                        null,
                        List.of("small:error"),
                        BackendException.Failure.REJECTED),
                new Case(
                        "the escalation budget makes a middle tier final",
                        0.1,
                        abstention,
                        new Budget(1, Duration.ofSeconds(30), 1.0),
                        idk,
                        idk,
                        paris,
                        null,
                        "medium",
                        List.of("small:abstention", "medium:budget"),
                        null),
                new Case(
                        "a spent cost budget keeps a doubted answer",
                        0.1,
                        abstention,
                        new Budget(10, Duration.ofSeconds(30), 0.001),
                        idk,
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:budget"),
                        null),
                new Case(
                        "a passed deadline keeps a doubted answer",
                        0.1,
                        abstention,
                        new Budget(10, Duration.ofSeconds(1), 1.0),
                        List.of(Reply.text("I don't know").taking(Duration.ofSeconds(2))),
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:budget"),
                        null),
                new Case(
                        "a deadline that passes during failures fails as a timeout",
                        0.1,
                        abstention,
                        new Budget(10, Duration.ofSeconds(1), 1.0),
                        List.of(Reply.down().taking(Duration.ofSeconds(2))),
                        paris,
                        paris,
                        null,
                        null,
                        List.of("small:error"),
                        BackendException.Failure.TIMEOUT),
                new Case(
                        "a fallback answer stands in when every tier fails",
                        0.1,
                        abstention,
                        ROOMY,
                        down,
                        down,
                        down,
                        Fallback.answer("Please try again later."),
                        "fallback",
                        List.of("small:error", "medium:error", "large:error", "fallback:fallback"),
                        null),
                new Case(
                        "a fallback backend stands in when every tier fails",
                        0.1,
                        abstention,
                        ROOMY,
                        down,
                        down,
                        down,
                        null,
                        "spare",
                        List.of("small:error", "medium:error", "large:error", "fallback:fallback"),
                        null),
                new Case(
                        "a threshold of 0 records a signal without acting on it",
                        0.1,
                        only(Signal.ABSTENTION, 0),
                        ROOMY,
                        idk,
                        paris,
                        paris,
                        null,
                        "small",
                        List.of("small:signals"),
                        null));
    }

    @Test
    void theLogprobModelIsAskedForOnEveryCheckSoANewlyActiveOneFlipsTheDecision() {
        ManualClock clock = new ManualClock();
        ScriptedBackend small =
                new ScriptedBackend("small", clock, Reply.text("Paris").withLogprobs(-0.3, -0.4));
        List<Tier> tiers = List.of(
                new Tier("small", small), new Tier("large", new ScriptedBackend("large", clock, Reply.text("Paris"))));
        CascadePolicy policy = new CascadePolicy(
                "p", tiers, List.of(1.0), ROOMY, new IdkCheck(Map.of(Signal.LOGPROBS, 0.5), 3, 1), null, null);
        AtomicReference<LogprobConfidence> active = new AtomicReference<>(LogprobConfidence.PRIOR);
        CascadeEngine engine = new CascadeEngine(request -> 0.0, new AbstentionDetector(), null, active::get, clock);

        CascadeResult before = engine.run(ASK, policy);
        active.set(new LogprobConfidence(new double[] {-1, 3, 0, 0, 0}));
        CascadeResult after = engine.run(ASK, policy);

        assertThat(before.trail().attempts()).extracting(Attempt::tierName).containsExactly("small");
        assertThat(after.trail().attempts()).extracting(Attempt::tierName).containsExactly("small", "large");
        assertThat(after.trail().attempts().getFirst().signals().get("logprobs"))
                .isLessThan(0.5)
                .isLessThan(before.trail().attempts().getFirst().signals().get("logprobs"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void followsTheDecisionPath(Case c) {
        ManualClock clock = new ManualClock();
        List<Tier> tiers = List.of(
                new Tier("small", new ScriptedBackend("small", clock, c.small().toArray(Reply[]::new))),
                new Tier(
                        "medium",
                        new ScriptedBackend("medium", clock, c.medium().toArray(Reply[]::new))),
                new Tier("large", new ScriptedBackend("large", clock, c.large().toArray(Reply[]::new))));
        Fallback fallback = c.name().contains("fallback backend")
                ? Fallback.backend(new ScriptedBackend("spare", clock, Reply.text("Paris, says the spare")))
                : c.fallback();
        CascadePolicy policy = new CascadePolicy(
                "p", tiers, List.of(0.3, 0.7), c.budget(), c.idk(), StreamMode.VERIFY_THEN_STREAM, fallback);
        AnswerSignal scorer = (request, answer) -> answer.text().contains("Paris") ? 0.9 : 0.2;
        CascadeEngine engine = new CascadeEngine(
                request -> c.score(), new AbstentionDetector(), scorer, LogprobConfidence.PRIOR, clock);

        CascadeResult result = engine.run(ASK, policy);

        List<String> path = new ArrayList<>();
        result.trail().attempts().forEach(a -> path.add(a.tierName() + ":" + a.decidedBy()));
        assertThat(path).containsExactlyElementsOf(c.path());
        if (c.answeredBy() == null) {
            assertThat(result).isInstanceOfSatisfying(CascadeResult.Failed.class, f -> assertThat(f.failure())
                    .isEqualTo(c.failure()));
        } else {
            assertThat(result).isInstanceOfSatisfying(CascadeResult.Answered.class, a -> assertThat(a.by().backend())
                    .isEqualTo(c.answeredBy()));
        }
        // A signal's name means it doubted the answer; "error" a failure; every other reason an acceptance.
        assertThat(result.trail().attempts()).allSatisfy(a -> assertThat(a.verdict())
                .isEqualTo(
                        a.decidedBy().equals(Attempt.BY_ERROR)
                                ? Verdict.FAILED
                                : isSignal(a.decidedBy()) ? Verdict.ESCALATED : Verdict.ACCEPTED));
    }

    private static boolean isSignal(String key) {
        return java.util.Arrays.stream(Signal.values()).anyMatch(s -> s.key().equals(key));
    }

    private static IdkCheck only(Signal signal, double threshold) {
        return new IdkCheck(Map.of(signal, threshold), 2, 1);
    }
}
