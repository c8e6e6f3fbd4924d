package dev.ponder.cascade;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs a request through a policy's tiers: it starts at the tier the difficulty score picks and climbs when a
 * tier fails or its answer abstains. The top tier's answer is final. It never calls a tier twice, so it ends.
 */
public final class CascadeEngine {

    private final DifficultyScorer scorer;
    private final AbstentionDetector abstention;
    private final Clock clock;

    public CascadeEngine(DifficultyScorer scorer, AbstentionDetector abstention, Clock clock) {
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.abstention = Objects.requireNonNull(abstention, "abstention");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public RouteDecision route(ChatRequest request, CascadePolicy policy) {
        double score = clamp(scorer.score(request));
        int start = firstAcceptingTier(request, policy, policy.startTier(score));
        return new RouteDecision(
                policy.name(), score, policy.thresholds(), start, policy.tiers().get(start));
    }

    /** Runs the request and returns the accepted answer whole. */
    public CascadeResult run(ChatRequest request, CascadePolicy policy) {
        return climb(
                request,
                policy,
                (tier, last, firstToken) -> new Call(tier.backend().chat(request), false),
                null);
    }

    /**
     * Runs the request and streams the accepted answer to {@code sink} as it is produced (see {@link StreamMode}).
     * The sink is called on the calling thread; the result is returned once the stream is complete.
     */
    public CascadeResult stream(ChatRequest request, CascadePolicy policy, StreamMode mode, Consumer<Delta> sink) {
        return climb(
                request,
                policy,
                (tier, last, firstToken) -> {
                    if (mode == StreamMode.VERIFY_THEN_STREAM && !last) {
                        return new Call(tier.backend().chat(request), false);
                    }
                    ChatAnswer answer = tier.backend().stream(request, delta -> {
                        firstToken.mark();
                        sink.accept(delta);
                    });
                    return new Call(answer, true);
                },
                sink);
    }

    /**
     * The one escalation loop. An answer already streamed live is final (the client has it); a buffered answer that
     * is accepted goes to {@code replay}, when streaming, as deltas.
     */
    private CascadeResult climb(ChatRequest request, CascadePolicy policy, TierCall call, Consumer<Delta> replay) {
        Instant started = clock.instant();
        RouteDecision decision = route(request, policy);
        List<Attempt> attempts = new ArrayList<>();
        BackendException lastError = null;
        Budget budget = policy.budget();
        double spent = 0;
        for (int i = decision.startTier(); i < policy.tiers().size(); i++) {
            Tier tier = policy.tiers().get(i);
            if (!tier.backend().info().capabilities().accepts(request)) {
                continue;
            }
            boolean last = isLastTry(request, policy, i, attempts.size(), budget, spent, started);
            Instant callStart = clock.instant();
            FirstToken firstToken = new FirstToken(clock, callStart);
            try {
                Call result = call.call(tier, last, firstToken);
                ChatAnswer answer = result.answer();
                Duration latency = Duration.between(callStart, clock.instant());
                spent += answer.costUsd();
                boolean abstained = abstention.abstains(answer);
                boolean accept = result.streamedLive()
                        || !abstained
                        || last
                        || overBudget(budget, spent, started, attempts.size() + 1);
                Attempt attempt = new Attempt(
                        i,
                        tier.name(),
                        tier.backend().info().name(),
                        answer.model(),
                        latency,
                        firstToken.elapsed(),
                        answer.usage(),
                        answer.costUsd(),
                        Map.of("abstained", abstained ? 1.0 : 0.0),
                        accept ? Verdict.ACCEPTED : Verdict.ESCALATED,
                        null);
                attempts.add(attempt);
                if (accept) {
                    if (replay != null && !result.streamedLive()) {
                        Delta.of(answer).forEach(replay);
                    }
                    return new CascadeResult.Answered(answer, attempt, trail(policy, decision, started, attempts));
                }
            } catch (BackendException e) {
                Duration latency = Duration.between(callStart, clock.instant());
                attempts.add(new Attempt(
                        i,
                        tier.name(),
                        tier.backend().info().name(),
                        tier.backend().info().model(),
                        latency,
                        firstToken.elapsed(),
                        TokenUsage.NONE,
                        0,
                        Map.of(),
                        Verdict.FAILED,
                        e.getMessage()));
                lastError = e;
                // Once tokens reached the client, another tier's answer cannot be spliced in: the stream fails.
                if (e.action() == BackendException.Action.GIVE_UP
                        || last
                        || firstToken.elapsed() != null
                        || overBudget(budget, spent, started, attempts.size())) {
                    break;
                }
            }
        }
        if (lastError == null) {
            lastError = new BackendException(
                    BackendException.Action.GIVE_UP,
                    "no tier of policy '" + policy.name() + "' accepts this request (images or tools)",
                    400,
                    "invalid_request_error",
                    null,
                    null);
        }
        return new CascadeResult.Failed(lastError, trail(policy, decision, started, attempts));
    }

    /** One attempt at one tier: the answer, and whether it already went to the client live. */
    private record Call(ChatAnswer answer, boolean streamedLive) {}

    @FunctionalInterface
    private interface TierCall {
        Call call(Tier tier, boolean last, FirstToken firstToken);
    }

    /** Records when the first delta of an attempt arrived. */
    private static final class FirstToken {
        private final Clock clock;
        private final Instant start;
        private Duration elapsed;

        FirstToken(Clock clock, Instant start) {
            this.clock = clock;
            this.start = start;
        }

        void mark() {
            if (elapsed == null) {
                elapsed = Duration.between(start, clock.instant());
            }
        }

        Duration elapsed() {
            return elapsed;
        }
    }

    private boolean isLastTry(
            ChatRequest request,
            CascadePolicy policy,
            int tier,
            int attemptsSoFar,
            Budget budget,
            double spent,
            Instant started) {
        boolean noHigherTier = true;
        for (int j = tier + 1; j < policy.tiers().size(); j++) {
            if (policy.tiers().get(j).backend().info().capabilities().accepts(request)) {
                noHigherTier = false;
                break;
            }
        }
        return noHigherTier || attemptsSoFar >= budget.maxEscalations() || overBudget(budget, spent, started, 0);
    }

    private boolean overBudget(Budget budget, double spent, Instant started, int attempts) {
        return spent >= budget.maxCostUsd()
                || Duration.between(started, clock.instant()).compareTo(budget.deadline()) >= 0
                || attempts > budget.maxEscalations();
    }

    private static int firstAcceptingTier(ChatRequest request, CascadePolicy policy, int from) {
        for (int i = from; i < policy.tiers().size(); i++) {
            if (policy.tiers().get(i).backend().info().capabilities().accepts(request)) {
                return i;
            }
        }
        return from;
    }

    private Trail trail(CascadePolicy policy, RouteDecision decision, Instant started, List<Attempt> attempts) {
        return new Trail(
                policy.name(),
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
