package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

class OutcomeStoreTest {

    @Test
    void aRequestWhoseAttemptsCannotBeWrittenIsNotWrittenEither() {
        JdbcTemplate jdbc = Outcomes.migratedDatabase();
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
