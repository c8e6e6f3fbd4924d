package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The retraining job is reproducible: the same labels give the same weights (the same checksum) wherever and whenever
 * they are retrained, so a stored version can be rebuilt from its labels. Each run gets its own database, since a
 * completed run moves the label window on.
 */
class RetrainReproducibilityTest {

    private static final Path DEMO = Path.of("src/main/resources/ponder/demo/routerbench-sample.jsonl");
    private static final String WEAK = "mistralai/mistral-7b-chat";
    private static final String STRONG = "gpt-4-1106-preview";
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    @Test
    void theSameLabelsRetrainedInTwoDatabasesGiveTheSameChecksumAndOtherLabelsDoNot() throws Exception {
        List<OutcomeRow> rows =
                OutcomeFile.read(DEMO).stream().filter(r -> r.has(WEAK, STRONG)).toList();

        String first = retrain(rows.subList(0, 60));
        String again = retrain(rows.subList(0, 60));
        String other = retrain(rows.subList(1, 61));

        assertThat(again).isEqualTo(first);
        assertThat(other)
                .as("the labels, not only the settings, make the weights")
                .isNotEqualTo(first);
    }

    /** Stores the rows as shadow labels in a fresh database, runs the job with its defaults, returns the checksum. */
    private static String retrain(List<OutcomeRow> rows) throws IOException, SQLException {
        DataSource dataSource = TestDatabase.migrated();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        for (int i = 0; i < rows.size(); i++) {
            OutcomeRow r = rows.get(i);
            TestLabels.store(jdbc, "shadow", r, WEAK, STRONG, NOW.minusSeconds(rows.size() - i));
        }
        RetrainJob job = TestBackends.retrainJob(dataSource, Clock.fixed(NOW, ZoneOffset.UTC));
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        RetrainJob.Result result = job.run(new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(result)
                .as(log.toString(StandardCharsets.UTF_8))
                .isIn(RetrainJob.Result.PROMOTED, RetrainJob.Result.HELD);
        return jdbc.queryForObject("SELECT sha256 FROM router_models", String.class);
    }
}
