package dev.ponder.gateway.learning;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.TokenUsage;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.SharedBudgets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shadow sampling: a share of the requests a lower tier answered is also sent, after the client has its answer and
 * on a background thread, to the policy's top tier; the {@link Judge} then labels whether the lower tier's answer was
 * good enough. This gives unbiased labels (a random sample, not just the requests the cascade doubted). Each sample
 * reserves its estimated cost against the daily budget, which all replicas share through PostgreSQL like a key's
 * budget ({@link SharedBudgets}), and settles with its real cost; a sample the budget has no room for is skipped. At
 * most a few shadow calls run at once, and samples beyond that are skipped rather than queued. Needs the prompt and
 * answer, so it samples nothing while content logging is off; nor an answer the judge cannot grade (a long one when no
 * judge backend is set), which would spend the budget on a top-tier call and label nothing.
 */
final class ShadowSampler implements OutcomeListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShadowSampler.class);
    private static final int CONCURRENT_CALLS = 4;

    private final Routes routes;
    private final Labels labels;
    private final Judge judge;
    private final double rate;
    private final SharedBudgets.Budget budget;
    private final Clock clock;
    private final RandomGenerator random;
    private final Semaphore inFlight = new Semaphore(CONCURRENT_CALLS);
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    ShadowSampler(
            Routes routes,
            Labels labels,
            Judge judge,
            double rate,
            SharedBudgets.Budget budget,
            Clock clock,
            RandomGenerator random) {
        this.routes = routes;
        this.labels = labels;
        this.judge = judge;
        this.rate = rate;
        this.budget = budget;
        this.clock = clock;
        this.random = random;
    }

    @Override
    public void onOutcome(Outcome o) {
        if (rate == 0 || o.answeredTier() < 0 || o.prompt() == null || o.answer() == null) {
            return;
        }
        CascadePolicy policy = routes.policies().get(o.trail().policy());
        if (policy == null
                || o.answeredTier() >= policy.tiers().size() - 1
                || !judge.canGrade(o.answer())
                || random.nextDouble() >= rate) {
            return;
        }
        if (!inFlight.tryAcquire()) {
            return;
        }
        ModelBackend top = policy.tiers().getLast().backend();
        Optional<SharedBudgets.Spending> spending = budget.reserve(estimateUsd(o, top));
        if (spending.isEmpty()) {
            inFlight.release();
            return;
        }
        executor.execute(() -> {
            double[] cost = {0};
            try {
                shadow(o, top, cost);
            } catch (RuntimeException e) {
                log.warn("Shadow sample of {} failed: {}", o.requestId(), e.getMessage());
            } finally {
                spending.get().settle(cost[0]);
                inFlight.release();
            }
        });
    }

    /**
     * What a shadow call may cost, reserved before it runs: the prompt and twice the lower tier's answer at the top
     * tier's price, and when the judge grades it, all three again at the judge's price. Settled with the real cost.
     */
    private double estimateUsd(Outcome o, ModelBackend top) {
        int prompt = tokens(o.prompt());
        int reference = 2 * tokens(o.answer());
        return top.info().price().cost(new TokenUsage(prompt, reference))
                + judge.estimateUsd(prompt + tokens(o.answer()) + reference);
    }

    /** About three characters a token, as the key budgets estimate. */
    private static int tokens(String text) {
        return text.length() / 3 + 1;
    }

    /** Calls the top tier and the judge; {@code cost} holds what was spent so far, even when a call fails. */
    private void shadow(Outcome o, ModelBackend top, double[] cost) {
        ChatAnswer reference = top.chat(ChatRequest.of(List.of(ChatMessage.of(Role.USER, o.prompt()))));
        cost[0] = reference.costUsd();
        Optional<Judge.Grade> grade = judge.grade(o.prompt(), o.answer(), reference.text());
        cost[0] += grade.map(Judge.Grade::costUsd).orElse(0.0);
        double spent = cost[0];
        grade.ifPresent(g -> {
            labels.save(
                    new Labels.Label(
                            o.requestId(),
                            o.createdAt(),
                            Labels.Source.SHADOW,
                            o.answeredModel(),
                            reference.model(),
                            g.score(),
                            g.judge(),
                            o.prompt(),
                            o.answer(),
                            reference.text(),
                            spent),
                    clock.instant());
        });
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
