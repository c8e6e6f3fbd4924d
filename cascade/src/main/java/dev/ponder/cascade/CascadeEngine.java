package dev.ponder.cascade;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs a request through a policy's tiers: it starts at the tier the difficulty score picks (skipping tiers
 * predicted to fail), asks the policy's {@link IdkCheck} about each answer, and climbs when the check doubts it or
 * the tier fails. The last tier's answer is final. It calls each tier at most once and only climbs, so it ends;
 * the {@link Budget} bounds how far and for how long.
 */
public final class CascadeEngine {

    private final DifficultyScorer scorer;
    private final IdkChecker checker;
    private final Clock clock;

    /** An engine without an answer scorer: {@link Signal#SCORER} is left out of every check. */
    public CascadeEngine(DifficultyScorer scorer, AbstentionDetector abstention, Clock clock) {
        this(scorer, abstention, null, LogprobConfidence.PRIOR, clock);
    }

    /**
     * @param answerSignal the {@link Signal#SCORER} signal; null leaves it out
     * @param logprobs the {@link Signal#LOGPROBS} aggregation
     */
    public CascadeEngine(
            DifficultyScorer scorer,
            AbstentionDetector abstention,
            AnswerSignal answerSignal,
            LogprobConfidence logprobs,
            Clock clock) {
        this(scorer, abstention, answerSignal, constant(Objects.requireNonNull(logprobs, "logprobs")), clock);
    }

    /**
     * @param answerSignal the {@link Signal#SCORER} signal; null leaves it out
     * @param logprobs the {@link Signal#LOGPROBS} aggregation, asked for on every check: the gateway swaps in the
     *     weights of each newly active router model version
     */
    public CascadeEngine(
            DifficultyScorer scorer,
            AbstentionDetector abstention,
            AnswerSignal answerSignal,
            Supplier<LogprobConfidence> logprobs,
            Clock clock) {
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.checker = new IdkChecker(
                Objects.requireNonNull(abstention, "abstention"),
                answerSignal,
                Objects.requireNonNull(logprobs, "logprobs"),
                clock);
    }

    private static Supplier<LogprobConfidence> constant(LogprobConfidence logprobs) {
        return () -> logprobs;
    }

    public RouteDecision route(ChatRequest request, CascadePolicy policy) {
        double score = clamp(scorer.score(request));
        int start = firstAcceptingTier(request, policy, policy.startTier(score));
        return new RouteDecision(
                policy.name(), score, policy.thresholds(), start, policy.tiers().get(start));
    }

    /** Runs the request and returns the accepted answer whole. */
    public CascadeResult run(ChatRequest request, CascadePolicy policy) {
        return climb(request, policy, (backend, ask, last, progress) -> new Call(backend.chat(ask), false, null), null);
    }

    /**
     * Runs the request and streams the accepted answer to {@code sink} as it is produced (see {@link StreamMode}).
     * Every attempt streams, so that its time to first token is recorded; in verify-then-stream the deltas of a
     * tier below the last are buffered until its answer is accepted. The sink is called on the calling thread; the
     * result is returned once the stream is complete.
     */
    public CascadeResult stream(ChatRequest request, CascadePolicy policy, StreamMode mode, Consumer<Delta> sink) {
        Objects.requireNonNull(mode, "mode");
        return climb(
                request,
                policy,
                (backend, ask, last, progress) -> {
                    boolean live = mode == StreamMode.ROUTE_THEN_STREAM || last;
                    List<Delta> buffer = live ? null : new ArrayList<>();
                    ChatAnswer answer = backend.stream(ask, delta -> {
                        progress.firstToken();
                        if (live) {
                            progress.delivered(delta);
                            sink.accept(delta);
                        } else {
                            buffer.add(delta);
                        }
                    });
                    return new Call(answer, live, buffer);
                },
                sink);
    }

    /**
     * The one escalation loop. An answer already streamed live is final (the client has it); a buffered answer that
     * is accepted goes to {@code replay}, when streaming, as the deltas it arrived in.
     */
    private CascadeResult climb(ChatRequest request, CascadePolicy policy, TierCall call, Consumer<Delta> replay) {
        Instant started = clock.instant();
        RouteDecision decision = route(request, policy);
        Budget budget = policy.budget();
        List<Attempt> attempts = new ArrayList<>();
        double spent = 0;
        BackendException lastError = null;
        for (int i = decision.startTier(); i < policy.tiers().size(); i++) {
            Tier tier = policy.tiers().get(i);
            if (!accepts(tier.backend(), request)) {
                continue;
            }
            // The escalation budget counts every attempt after the first, failed ones too.
            String finalBy = noHigherTier(request, policy, i)
                    ? Attempt.BY_LAST_TIER
                    : attempts.size() >= budget.maxEscalations() ? Attempt.BY_BUDGET : null;
            boolean last = finalBy != null;
            Step step = attempt(i, tier, request, policy, call, finalBy, spent, started);
            attempts.add(step.attempt());
            spent += step.attempt().costUsd();
            if (step.attempt().verdict() == Verdict.ACCEPTED) {
                return answered(step, tier.backend(), request, replay, decision, started, attempts);
            }
            if (step.error() != null) {
                lastError = step.error();
                // Once tokens reached the client, another answer cannot be spliced in: the stream fails. An
                // interrupted caller gave up on the request (its client left, the server is stopping): no further
                // tier or fallback answers anyone, and each would cost a call.
                if (lastError.action() == BackendException.Action.GIVE_UP
                        || step.delivered()
                        || Thread.currentThread().isInterrupted()) {
                    return new CascadeResult.Failed(lastError, trail(decision, started, attempts));
                }
                if (last || !roomLeft(budget, spent, started)) {
                    break;
                }
            }
        }
        BackendException error = lastError != null ? lastError : noTierAccepts(request, policy);
        if (error.action() != BackendException.Action.GIVE_UP && deadlinePassed(budget, started)) {
            error = BackendException.timeout(
                    "policy '" + policy.name() + "' ran out of its " + budget.deadline() + " deadline after "
                            + attempts.size() + " attempt(s); the last failed with: " + error.getMessage(),
                    error);
        }
        if (policy.fallback() != null && error.action() != BackendException.Action.GIVE_UP) {
            return fallback(request, policy, call, replay, error, decision, started, attempts, spent);
        }
        return new CascadeResult.Failed(error, trail(decision, started, attempts));
    }

    /** A fixed answer, or one call to the fallback backend if the budget leaves room for it. */
    private CascadeResult fallback(
            ChatRequest request,
            CascadePolicy policy,
            TierCall call,
            Consumer<Delta> replay,
            BackendException error,
            RouteDecision decision,
            Instant started,
            List<Attempt> attempts,
            double spent) {
        Fallback fallback = policy.fallback();
        int index = policy.tiers().size();
        if (fallback.answer() != null) {
            ChatAnswer answer = new ChatAnswer(Attempt.BY_FALLBACK, fallback.answer(), null, null, null, null, 0, null);
            attempts.add(new Attempt(
                    index,
                    Attempt.BY_FALLBACK,
                    Attempt.BY_FALLBACK,
                    answer.model(),
                    Duration.ZERO,
                    null,
                    TokenUsage.NONE,
                    0,
                    null,
                    Verdict.ACCEPTED,
                    null,
                    Attempt.BY_FALLBACK));
            return answered(
                    new Step(attempts.getLast(), new Call(answer, false, null), null, false),
                    null,
                    request,
                    replay,
                    decision,
                    started,
                    attempts);
        }
        if (!roomLeft(policy.budget(), spent, started) || !accepts(fallback.backend(), request)) {
            return new CascadeResult.Failed(error, trail(decision, started, attempts));
        }
        Step step = attempt(
                index,
                new Tier(Attempt.BY_FALLBACK, fallback.backend()),
                request,
                policy,
                call,
                Attempt.BY_FALLBACK,
                spent,
                started);
        attempts.add(step.attempt());
        return step.error() == null
                ? answered(step, fallback.backend(), request, replay, decision, started, attempts)
                : new CascadeResult.Failed(step.error(), trail(decision, started, attempts));
    }

    /**
     * Calls one tier and judges its answer. {@code finalBy} is null when the answer may still escalate, else the
     * reason it cannot (the last tier, the escalation budget, the fallback).
     */
    private Step attempt(
            int index,
            Tier tier,
            ChatRequest request,
            CascadePolicy policy,
            TierCall call,
            String finalBy,
            double spentBefore,
            Instant started) {
        ModelBackend backend = tier.backend();
        boolean last = finalBy != null;
        Instant callStart = clock.instant();
        Progress progress = new Progress(callStart);
        try {
            Call result = call.call(backend, ask(request, policy, backend, last), last, progress);
            ChatAnswer answer = result.answer();
            Duration latency = Duration.between(callStart, clock.instant());
            // An answer the client already has, or the last one, cannot be improved on: checking it buys nothing.
            boolean settled = result.streamedLive() || last;
            // A refusal needs no signal to doubt it: no check is paid for.
            IdkChecker.Result check =
                    settled || answer.refused() ? null : checker.check(policy.idk(), backend, request, answer);
            double cost = answer.costUsd() + (check == null ? 0 : check.extraCost());
            // What doubts the answer, if anything: its refusal, or the first signal below its threshold.
            String doubt = settled
                    ? null
                    : answer.refused()
                            ? Attempt.BY_REFUSAL
                            : check.failed() == null ? null : check.failed().key();
            String decidedBy;
            if (result.streamedLive()) {
                decidedBy = Attempt.BY_STREAMED;
            } else if (last) {
                decidedBy = finalBy;
            } else if (doubt == null) {
                decidedBy = Attempt.BY_SIGNALS;
            } else if (!roomLeft(policy.budget(), spentBefore + cost, started)) {
                decidedBy = Attempt.BY_BUDGET;
            } else {
                decidedBy = doubt;
            }
            boolean escalate = doubt != null && decidedBy.equals(doubt);
            Attempt attempt = new Attempt(
                    index,
                    tier.name(),
                    backend.info().name(),
                    answer.model(),
                    check == null ? latency : latency.plus(check.extraTime()),
                    progress.firstToken,
                    check == null ? answer.usage() : answer.usage().plus(check.extra()),
                    cost,
                    check == null ? null : check.signals(),
                    escalate ? Verdict.ESCALATED : Verdict.ACCEPTED,
                    null,
                    decidedBy);
            return new Step(attempt, result, null, false);
        } catch (BackendException e) {
            // A stream cut short (a failure, the client gone, the server stopping) reports no usage, but the backend
            // charges for the prompt and for what it sent, and the client has that part: count it, estimated.
            TokenUsage usage =
                    progress.delivered ? TokenUsage.estimated(request, progress.deliveredChars) : TokenUsage.NONE;
            Attempt attempt = new Attempt(
                    index,
                    tier.name(),
                    backend.info().name(),
                    backend.info().model(),
                    Duration.between(callStart, clock.instant()),
                    progress.firstToken,
                    usage,
                    backend.info().price().cost(usage),
                    null,
                    Verdict.FAILED,
                    e.getMessage(),
                    Attempt.BY_ERROR);
            return new Step(attempt, null, e, progress.delivered);
        }
    }

    /**
     * The accepted answer, replayed to the stream if it was buffered, with the request's further choices: {@code n}
     * &gt; 1 asks the accepting backend {@code n - 1} more times, in parallel (null: a fixed answer, repeated). A
     * failed further choice fails the request, since OpenAI never answers with fewer than {@code n}.
     */
    private CascadeResult answered(
            Step step,
            ModelBackend backend,
            ChatRequest request,
            Consumer<Delta> replay,
            RouteDecision decision,
            Instant started,
            List<Attempt> attempts) {
        Call call = step.call();
        if (replay != null && !call.streamedLive()) {
            (call.buffered() != null ? call.buffered() : Delta.of(call.answer())).forEach(replay);
        }
        List<ChatAnswer> choices = new ArrayList<>(List.of(call.answer()));
        int more = request.options().n() == null ? 0 : request.options().n() - 1;
        Attempt by = step.attempt();
        if (more > 0) {
            Instant callStart = clock.instant();
            try {
                choices.addAll(
                        backend == null ? Collections.nCopies(more, call.answer()) : more(backend, request, more));
            } catch (BackendException e) {
                return new CascadeResult.Failed(e, trail(decision, started, attempts));
            }
            List<ChatAnswer> extra = choices.subList(1, choices.size());
            by = by.plus(
                    Duration.between(callStart, clock.instant()),
                    extra.stream().map(ChatAnswer::usage).reduce(TokenUsage.NONE, TokenUsage::plus),
                    extra.stream().mapToDouble(ChatAnswer::costUsd).sum());
            attempts.set(attempts.size() - 1, by);
        }
        return new CascadeResult.Answered(call.answer(), by, trail(decision, started, attempts), choices);
    }

    /** {@code count} more answers from one backend, called at once on virtual threads. */
    private static List<ChatAnswer> more(ModelBackend backend, ChatRequest request, int count) {
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<ChatAnswer>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(calls.submit(() -> backend.chat(request)));
            }
            List<ChatAnswer> answers = new ArrayList<>();
            for (Future<ChatAnswer> future : futures) {
                answers.add(future.get());
            }
            return answers;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BackendException.timeout("interrupted while asking for more choices", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof BackendException failure
                    ? failure
                    : new IllegalStateException("a further choice failed", e.getCause());
        } finally {
            // After a failure or an interrupt, the calls still running are of no use: stop them.
            calls.shutdownNow();
        }
    }

    /** Asks for logprobs from a tier that offers them when the check reads them. */
    private static ChatRequest ask(ChatRequest request, CascadePolicy policy, ModelBackend backend, boolean last) {
        boolean wanted = !last
                && policy.idk().uses(Signal.LOGPROBS)
                && backend.info().capabilities().logprobs()
                && !Boolean.TRUE.equals(request.options().logprobs());
        return wanted ? request.withOptions(request.options().withLogprobs()) : request;
    }

    /** One attempt's result: the call (when it answered), or the error, and whether the client got tokens of it. */
    private record Step(Attempt attempt, Call call, BackendException error, boolean delivered) {}

    /** One call to one backend: the answer, whether it already went to the client live, its buffered deltas. */
    private record Call(ChatAnswer answer, boolean streamedLive, List<Delta> buffered) {}

    @FunctionalInterface
    private interface TierCall {
        Call call(ModelBackend backend, ChatRequest request, boolean last, Progress progress);
    }

    /** How far one call got: when its first delta arrived, and how much of it reached the client. */
    private final class Progress {
        private final Instant start;
        private Duration firstToken;
        private boolean delivered;
        private int deliveredChars;

        Progress(Instant start) {
            this.start = start;
        }

        void delivered(Delta delta) {
            delivered = true;
            deliveredChars += switch (delta) {
                case Delta.Text text -> text.text().length();
                case Delta.Refusal refusal -> refusal.text().length();
                case Delta.ToolCallFragment fragment ->
                    length(fragment.id()) + length(fragment.name()) + length(fragment.argumentsFragment());
            };
        }

        private static int length(String text) {
            return text == null ? 0 : text.length();
        }

        void firstToken() {
            if (firstToken == null) {
                firstToken = Duration.between(start, clock.instant());
            }
        }
    }

    private boolean roomLeft(Budget budget, double spent, Instant started) {
        return spent < budget.maxCostUsd() && !deadlinePassed(budget, started);
    }

    private boolean deadlinePassed(Budget budget, Instant started) {
        return Duration.between(started, clock.instant()).compareTo(budget.deadline()) >= 0;
    }

    private static boolean accepts(ModelBackend backend, ChatRequest request) {
        return backend.info().capabilities().accepts(request);
    }

    private static boolean noHigherTier(ChatRequest request, CascadePolicy policy, int tier) {
        for (int j = tier + 1; j < policy.tiers().size(); j++) {
            if (accepts(policy.tiers().get(j).backend(), request)) {
                return false;
            }
        }
        return true;
    }

    private static int firstAcceptingTier(ChatRequest request, CascadePolicy policy, int from) {
        for (int i = from; i < policy.tiers().size(); i++) {
            if (accepts(policy.tiers().get(i).backend(), request)) {
                return i;
            }
        }
        return from;
    }

    /**
     * The client's 400, naming what no tier takes in {@code param} as every other refused field is named: the tools,
     * or the images in the messages.
     */
    private static BackendException noTierAccepts(ChatRequest request, CascadePolicy policy) {
        boolean someTierTakesTools = request.tools().isEmpty()
                || policy.tiers().stream()
                        .anyMatch(t -> t.backend().info().capabilities().tools());
        String what = !someTierTakesTools ? "tools" : request.tools().isEmpty() ? "images" : "images with tools";
        return BackendException.rejected(
                "no tier of policy '" + policy.name() + "' accepts " + what,
                400,
                "invalid_request_error",
                someTierTakesTools ? "messages" : "tools",
                null,
                null);
    }

    private Trail trail(RouteDecision decision, Instant started, List<Attempt> attempts) {
        return new Trail(
                decision.policy(),
                decision.score(),
                decision.startTier(),
                started,
                Duration.between(started, clock.instant()),
                attempts);
    }

    private static double clamp(double score) {
        return Double.isNaN(score) ? 1.0 : Math.max(0, Math.min(1, score));
    }
}
