package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.TestDatabase;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

class OutcomeStoreTest {

    @Test
    void storesEveryColumnAsTheRecordHoldsIt() {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        // Microseconds: what timestamptz keeps.
        Instant at = Instant.parse("2026-11-23T00:46:26.123456Z");
        OutcomeRecord record = OutcomeRecord.of(Outcomes.escalated("r1", at));

        new OutcomeStore(jdbc).write(List.of(record, OutcomeRecord.of(Outcomes.escalated("r2", at))));

        assertThat(jdbc.queryForList("SELECT * FROM requests WHERE request_id = 'r1'")
                        .getFirst()
                        .values())
                .containsExactly(record.request().values());
        List<Map<String, Object>> attempts =
                jdbc.queryForList("SELECT * FROM attempts WHERE request_id = 'r1' ORDER BY seq");
        assertThat(attempts).hasSize(record.attempts().size());
        for (int i = 0; i < attempts.size(); i++) {
            Object[] expected = record.attempts().get(i).values();
            Map<String, Object> row = attempts.get(i);
            // jsonb comes back re-spelled: compare it as JSON, in the database.
            assertThat(jdbc.queryForObject(
                            "SELECT signals = ?::jsonb FROM attempts WHERE request_id = 'r1' AND seq = ?",
                            Boolean.class,
                            expected[13],
                            row.get("seq")))
                    .isTrue();
            row.put("signals", expected[13]);
            assertThat(row.values()).containsExactly(expected);
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM attempts", Integer.class))
                .isEqualTo(2 * record.attempts().size());
    }

    @Test
    void storesANulCharacterAsTheReplacementCharacterWithTheRestOfItsBatch() {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        Instant at = Instant.now();
        Outcome plain = Outcomes.escalated("r1", at);
        Outcome nul = Outcomes.escalated("r2", at, "upstream said \0", "What is \0?", "\0\0");

        new OutcomeStore(jdbc).write(List.of(OutcomeRecord.of(plain), OutcomeRecord.of(nul)));

        assertThat(jdbc.queryForList(
                        "SELECT request_id, coalesce(error, '') AS error, prompt, answer FROM requests ORDER BY 1"))
                .containsExactly(
                        Map.of("request_id", "r1", "error", "", "prompt", "What is 2+2?", "answer", "4"),
                        Map.of(
                                "request_id",
                                "r2",
                                "error",
                                "upstream said \uFFFD",
                                "prompt",
                                "What is \uFFFD?",
                                "answer",
                                "\uFFFD\uFFFD"));
    }

    @Test
    void aRequestWhoseAttemptsCannotBeWrittenIsNotWrittenEither() {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        jdbc.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused';"
                + " END $$");
        jdbc.execute("CREATE TRIGGER refuse BEFORE INSERT ON attempts FOR EACH ROW EXECUTE FUNCTION refuse()");
        OutcomeStore store = new OutcomeStore(jdbc);

        assertThatThrownBy(() -> store.write(List.of(OutcomeRecord.of(Outcomes.escalated("r1", Instant.now())))))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("refused");

        // A reader never sees a request without its attempts; the batch stays whole for the journal to retry.
        assertThat(jdbc.queryForObject("SELECT count(*) FROM requests", Integer.class))
                .isZero();
    }
}
