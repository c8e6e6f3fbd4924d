package dev.ponder.gateway.learning;

import dev.ponder.gateway.outcomes.StorableText;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;

/** Writes labels: whether a model's answer to a prompt was good enough, and who said so. */
final class Labels {

    enum Source {
        FEEDBACK,
        SHADOW,
        ESCALATION
    }

    /**
     * @param score in [0, 1]: 1 means the answer was good enough
     * @param judge how the score was decided: {@code user}, {@code exact}, {@code numeric}, {@code judge:<backend>}
     */
    record Label(
            String requestId,
            Instant requestCreatedAt,
            Source source,
            String model,
            String referenceModel,
            double score,
            String judge,
            String prompt,
            String answer,
            String referenceAnswer,
            double costUsd) {
        Label {
            if (!(score >= 0 && score <= 1)) {
                throw new IllegalArgumentException("a label's score must be in [0, 1] but was " + score);
            }
        }
    }

    private final JdbcTemplate jdbc;

    Labels(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores a label; a later label of the same request, source and model replaces it (a user changing their mind). */
    void save(Label l, Instant at) {
        jdbc.update(
                """
                INSERT INTO labels (request_id, request_created_at, source, model, reference_model, score, judge,
                    prompt, answer, reference_answer, cost_usd, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (request_id, source, model) DO UPDATE
                SET score = excluded.score, judge = excluded.judge, created_at = excluded.created_at
                """,
                l.requestId(),
                Timestamp.from(l.requestCreatedAt()),
                l.source().name().toLowerCase(java.util.Locale.ROOT),
                l.model(),
                l.referenceModel(),
                l.score(),
                l.judge(),
                StorableText.of(l.prompt()),
                StorableText.of(l.answer()),
                StorableText.of(l.referenceAnswer()),
                l.costUsd(),
                Timestamp.from(at));
    }
}
