package dev.ponder.gateway.learning;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import dev.ponder.gateway.routing.Routes;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
 * good enough. This gives unbiased labels (a random sample, not just the requests the cascade doubted). Spending
 * stops for the day once the daily budget is reached; at most a few shadow calls run at once, and samples beyond
 * that are skipped rather than queued. Needs the prompt and answer, so it samples nothing while content logging is
 * off.
 */
final class ShadowSampler implements OutcomeListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShadowSampler.class);
    private static final int CONCURRENT_CALLS = 4;

    private final Routes routes;
    private final Labels labels;
    private final Judge judge;
    private final double rate;
    private final double dailyBudgetUsd;
    private final Clock clock;
    private final RandomGenerator random;
    private final Semaphore inFlight = new Semaphore(CONCURRENT_CALLS);
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private LocalDate day;
    private double spentToday;

    ShadowSampler(
            Routes routes,
            Labels labels,
            Judge judge,
            LearningProperties.Shadow settings,
            Clock clock,
            RandomGenerator random) {
        this.routes = routes;
        this.labels = labels;
        this.judge = judge;
        this.rate = settings.rate();
        this.dailyBudgetUsd = settings.dailyBudgetUsd();
        this.clock = clock;
        this.random = random;
    }

    @Override
    public void onOutcome(Outcome o) {
        if (rate == 0 || o.answeredTier() < 0 || o.prompt() == null || o.answer() == null) {
            return;
        }
        CascadePolicy policy = routes.policies().get(o.trail().policy());
        if (policy == null || o.answeredTier() >= policy.tiers().size() - 1 || random.nextDouble() >= rate) {
            return;
        }
        if (!withinBudget(0) || !inFlight.tryAcquire()) {
            return;
        }
        ModelBackend top = policy.tiers().getLast().backend();
        executor.execute(() -> {
            try {
                shadow(o, top);
            } catch (RuntimeException e) {
                log.warn("Shadow sample of {} failed: {}", o.requestId(), e.getMessage());
            } finally {
                inFlight.release();
            }
        });
    }

    private void shadow(Outcome o, ModelBackend top) {
        ChatAnswer reference = top.chat(ChatRequest.of(List.of(ChatMessage.of(Role.USER, o.prompt()))));
        Optional<Judge.Grade> grade = judge.grade(o.prompt(), o.answer(), reference.text());
        double cost = reference.costUsd() + grade.map(Judge.Grade::costUsd).orElse(0.0);
        withinBudget(cost);
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
                            cost),
                    clock.instant());
        });
    }

    /** Adds {@code cost} to today's spending and tells whether the day's budget still has room. */
    private synchronized boolean withinBudget(double cost) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (!today.equals(day)) {
            day = today;
            spentToday = 0;
        }
        spentToday += cost;
        return spentToday < dailyBudgetUsd;
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
