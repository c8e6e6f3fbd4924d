package dev.ponder.cascade;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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

    public CascadeResult run(ChatRequest request, CascadePolicy policy) {
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
            try {
                ChatAnswer answer = tier.backend().chat(request);
                Duration latency = Duration.between(callStart, clock.instant());
                spent += answer.costUsd();
                boolean abstained = abstention.abstains(answer);
                boolean accept = !abstained || last || overBudget(budget, spent, started, attempts.size() + 1);
                Attempt attempt = attempt(
                        i,
                        tier,
                        answer.model(),
                        latency,
                        answer.usage(),
                        answer.costUsd(),
                        Map.of("abstained", abstained ? 1.0 : 0.0),
                        accept ? Verdict.ACCEPTED : Verdict.ESCALATED,
                        null);
                attempts.add(attempt);
                if (accept) {
                    return new CascadeResult.Answered(answer, attempt, trail(policy, decision, started, attempts));
                }
            } catch (BackendException e) {
                Duration latency = Duration.between(callStart, clock.instant());
                attempts.add(attempt(
                        i,
                        tier,
                        tier.backend().info().model(),
                        latency,
                        TokenUsage.NONE,
                        0,
                        Map.of(),
                        Verdict.FAILED,
                        e.getMessage()));
                lastError = e;
                if (e.action() == BackendException.Action.GIVE_UP
                        || last
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

    private static Attempt attempt(
            int index,
            Tier tier,
            String model,
            Duration latency,
            TokenUsage usage,
            double cost,
            Map<String, Double> signals,
            Verdict verdict,
            String error) {
        return new Attempt(
                index,
                tier.name(),
                tier.backend().info().name(),
                model,
                latency,
                null,
                usage,
                cost,
                signals,
                verdict,
                error);
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
