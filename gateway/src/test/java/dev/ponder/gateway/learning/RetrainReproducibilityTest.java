package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

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
        TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        for (int i = 0; i < rows.size(); i++) {
            OutcomeRow r = rows.get(i);
            Timestamp at = Timestamp.from(NOW.minusSeconds(rows.size() - i));
            jdbc.update(
                    """
                    INSERT INTO labels (request_id, request_created_at, source, model, reference_model, score, judge,
                        prompt, answer, reference_answer, created_at)
                    VALUES (?, ?, 'shadow', ?, ?, ?, 'exact', ?, ?, ?, ?)""",
                    r.id(),
                    at,
                    WEAK,
                    STRONG,
                    r.score(WEAK),
                    r.prompt(),
                    r.outcome(WEAK).response(),
                    r.outcome(STRONG).response(),
                    at);
        }
        Routes routes = new Routes(
                Map.of(),
                Map.of("one", new CascadePolicy("one", List.of(new Tier("large", new Idle())), null, null)),
                "one");
        RetrainJob job = new RetrainJob(
                dataSource,
                jdbc,
                tx,
                new RouterModels(jdbc, tx, routes),
                routes,
                new LearningProperties.Retrain(null, null, null, null, null, null, null, null, null, null, null),
                Clock.fixed(NOW, ZoneOffset.UTC));
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        RetrainJob.Result result = job.run(new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(result)
                .as(log.toString(StandardCharsets.UTF_8))
                .isIn(RetrainJob.Result.PROMOTED, RetrainJob.Result.HELD);
        return jdbc.queryForObject("SELECT sha256 FROM router_models", String.class);
    }

    /** The policy's only tier: retraining reads its model's name and never calls it. */
    private record Idle() implements ModelBackend {
        @Override
        public BackendInfo info() {
            return new BackendInfo("large", "replay", STRONG, null, null);
        }

        @Override
        public ChatAnswer chat(ChatRequest request) {
            throw new AssertionError("retraining never calls a backend");
        }
    }
}
