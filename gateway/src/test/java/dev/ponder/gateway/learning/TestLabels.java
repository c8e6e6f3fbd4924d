package dev.ponder.gateway.learning;

import dev.ponder.router.eval.OutcomeRow;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;

/** Labels as the gateway stores them, made from outcome rows, for tests of the retraining job. */
final class TestLabels {

    private TestLabels() {}

    /**
     * A label of {@code source} on {@code model}'s answer to row {@code r}, judged against {@code reference}'s (null
     * for feedback), with the row's score of the model; the row's id is the request id.
     */
    static void store(JdbcTemplate jdbc, String source, OutcomeRow r, String model, String reference, Instant at) {
        jdbc.update(
                """
                INSERT INTO labels (request_id, request_created_at, source, model, reference_model, score, judge,
                    prompt, answer, reference_answer, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'exact', ?, ?, ?, ?)""",
                r.id(),
                Timestamp.from(at),
                source,
                model,
                reference,
                r.score(model),
                r.prompt(),
                r.outcome(model).response(),
                reference == null ? null : r.outcome(reference).response(),
                Timestamp.from(at));
    }
}
