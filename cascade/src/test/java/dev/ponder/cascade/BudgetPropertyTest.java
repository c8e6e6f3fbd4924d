package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.ScriptedBackend.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random cascades (1 to 6 tiers, random answers, failures, costs, delays, checks, budgets and modes) from a fixed
 * seed: whatever happens, no request starts an attempt past its budgets, no tier is called twice, and it ends.
 */
class BudgetPropertyTest {

    private static final ChatRequest ASK = ChatRequest.of(List.of(ChatMessage.of(Role.USER, "2 + 2?")));
    private static final int CASES = 1_000;

    @Test
    void noRequestExceedsItsBudgetsAndEveryClimbEnds() {
        Random random = new Random(20261122);
        for (int n = 0; n < CASES; n++) {
            ManualClock clock = new ManualClock();
            int tierCount = 1 + random.nextInt(6);
            List<Tier> tiers = new ArrayList<>();
            List<ScriptedBackend> backends = new ArrayList<>();
            for (int t = 0; t < tierCount; t++) {
                Reply[] replies = new Reply[1 + random.nextInt(3)];
                for (int r = 0; r < replies.length; r++) {
                    replies[r] = reply(random);
                }
                ScriptedBackend backend = new ScriptedBackend("t" + t, clock, replies);
                backends.add(backend);
                tiers.add(new Tier("t" + t, backend));
            }
            Budget budget = new Budget(
                    random.nextInt(tierCount + 1),
                    Duration.ofMillis(50 + random.nextInt(3_000)),
                    random.nextDouble() * 0.01);
            IdkCheck check = check(random);
            CascadePolicy policy = new CascadePolicy(
                    "p", tiers, null, budget, check, null, random.nextBoolean() ? Fallback.answer("later") : null);
            double score = random.nextDouble();
            CascadeEngine engine = new CascadeEngine(
                    request -> score,
                    new AbstentionDetector(),
                    (request, answer) -> random.nextDouble(),
                    LogprobConfidence.PRIOR,
                    clock);

            CascadeResult result = random.nextBoolean()
                    ? engine.run(ASK, policy)
                    : engine.stream(
                            ASK,
                            policy,
                            random.nextBoolean() ? StreamMode.ROUTE_THEN_STREAM : StreamMode.VERIFY_THEN_STREAM,
                            delta -> {});

            String seen = "case " + n + ": " + result.trail();
            List<Attempt> attempts = result.trail().attempts().stream()
                    .filter(a -> !a.decidedBy().equals(Attempt.BY_FALLBACK))
                    .toList();
            assertThat(attempts.size() - 1).as(seen).isLessThanOrEqualTo(budget.maxEscalations());
            Instant start = result.trail().startedAt();
            double spent = 0;
            int previousTier = -1;
            for (Attempt a : attempts) {
                assertThat(start).as(seen).isBefore(result.trail().startedAt().plus(budget.deadline()));
                assertThat(spent).as(seen).isLessThan(budget.maxCostUsd());
                assertThat(a.tier()).as(seen).isGreaterThan(previousTier);
                start = start.plus(a.latency());
                spent += a.costUsd();
                previousTier = a.tier();
            }
            // Each tier is called for its answer and at most its check's extra samples and verifications.
            int perTier = check.agreementSamples() + check.verificationSamples();
            backends.forEach(b -> assertThat(b.calls.size()).as(seen).isLessThanOrEqualTo(perTier));
            assertThat(result instanceof CascadeResult.Answered)
                    .as(seen)
                    .isEqualTo(result.trail().attempts().getLast().verdict() == Verdict.ACCEPTED);
        }
    }

    private static Reply reply(Random random) {
        Duration delay = Duration.ofMillis(random.nextInt(800));
        double cost = random.nextDouble() * 0.004;
        return switch (random.nextInt(6)) {
            case 0 -> Reply.down().taking(delay);
            case 1 -> Reply.failure(BackendException.timeout("slow", null)).taking(delay);
            case 2 -> Reply.text("I don't know").taking(delay).costing(cost);
            case 3 -> Reply.text("It is 4 or so").cutAfter(2, BackendException.escalate("cut", null));
            case 4 -> Reply.text("Yes").taking(delay).costing(cost);
            default ->
                Reply.text("The answer is " + random.nextInt(3))
                        .withLogprobs(-random.nextDouble() * 3, -random.nextDouble())
                        .taking(delay)
                        .costing(cost);
        };
    }

    private static IdkCheck check(Random random) {
        Map<Signal, Double> thresholds = new EnumMap<>(Signal.class);
        for (Signal signal : Signal.values()) {
            if (random.nextBoolean()) {
                thresholds.put(signal, random.nextDouble());
            }
        }
        return new IdkCheck(thresholds, 2 + random.nextInt(3), 1 + random.nextInt(2));
    }
}
