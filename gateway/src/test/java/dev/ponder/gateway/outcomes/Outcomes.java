package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.TokenUsage;
import dev.ponder.cascade.Trail;
import dev.ponder.cascade.Verdict;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Outcomes as a two-tier cascade produces them (the cheap tier escalated, the large tier answered), and a wait for
 * the writer to store them; spilling to and replaying a journal by request id.
 */
final class Outcomes {

    private Outcomes() {}

    static Outcome escalated(String id, Instant at) {
        return escalated(id, at, null, "What is 2+2?", "4");
    }

    /** The same cascade with the given texts: the request's error, prompt and answer. */
    static Outcome escalated(String id, Instant at, String error, String prompt, String answer) {
        Trail trail = new Trail(
                "default",
                0.3,
                0,
                at,
                Duration.ofMillis(40),
                List.of(
                        new Attempt(
                                0,
                                "small",
                                "small",
                                "llama3.2:3b",
                                Duration.ofMillis(10),
                                null,
                                new TokenUsage(12, 3),
                                0,
                                Map.of("answer_score", 0.2),
                                Verdict.ESCALATED,
                                null,
                                null),
                        new Attempt(
                                1,
                                "large",
                                "large",
                                "gpt-4o",
                                Duration.ofMillis(25),
                                null,
                                new TokenUsage(12, 20),
                                0.0003,
                                Map.of(),
                                Verdict.ACCEPTED,
                                null,
                                null)));
        return new Outcome(
                id, at, "ponder", false, 200, 1, false, "large", "gpt-4o", 41.5, trail, error, prompt, answer, "key-1");
    }

    /** Appends one record a request id, each escalated now. */
    static void spill(Journal journal, String... ids) throws IOException {
        List<OutcomeRecord> records = new ArrayList<>();
        for (String id : ids) {
            records.add(OutcomeRecord.of(escalated(id, Instant.now())));
        }
        journal.append(records);
    }

    /** Replays the journal and returns the request ids it handed over, in order. */
    static List<String> replay(Journal journal) throws IOException {
        List<String> ids = new ArrayList<>();
        journal.replay(10, records -> records.forEach(r -> ids.add(r.request().requestId())));
        return ids;
    }

    /** Waits up to 20 s for the condition, failing the test if it never holds. */
    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
