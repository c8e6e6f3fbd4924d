package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the retraining job makes of the labels it reads, and how it records a run that has nothing to train on. */
class RetrainJobTest {

    private static final Path DEMO = Path.of("src/main/resources/ponder/demo/routerbench-sample.jsonl");
    private static final String WEAK = "mistralai/mistral-7b-chat";
    private static final String STRONG = "gpt-4-1106-preview";
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    private final DataSource dataSource = TestDatabase.migrated();
    private final JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final List<OutcomeRow> demo = demo();

    @Test
    void aRunWithNothingToTrainOnIsStoredAsSuchAndLeavesItsLabelsToTheNextRun() throws Exception {
        shadow(demo.getFirst(), NOW.minusSeconds(100));

        assertThat(retrain(NOW)).isEqualTo(RetrainJob.Result.NOTHING_TO_TRAIN);
        assertThat(jdbc.queryForMap("SELECT status, model_version FROM training_runs"))
                .containsEntry("status", "nothing_to_train")
                .containsEntry("model_version", null);

        for (int i = 1; i < 60; i++) {
            shadow(demo.get(i), NOW.plusSeconds(i));
        }
        log.reset();

        assertThat(retrain(NOW.plusSeconds(100))).isIn(RetrainJob.Result.PROMOTED, RetrainJob.Result.HELD);
        assertThat(output()).contains("retrain: 60 labels on 60 prompts");
    }

    @Test
    void labelsOnTheStrongModelsOwnAnswersNeverMakeItAWeakModelToTrainFor() throws Exception {
        for (int i = 0; i < 60; i++) {
            Instant at = NOW.minusSeconds(100 - i);
            if (i % 3 == 0) {
                // Feedback on the top tier's own answer: the label is the strong model's.
                label("feedback", demo.get(i), STRONG, null, at);
            } else {
                shadow(demo.get(i), at);
            }
        }
        // An escalation between two backends serving the same model compares that model with itself.
        label("escalation", demo.get(60), WEAK, WEAK, NOW.minusSeconds(1));

        assertThat(retrain(NOW)).as(output()).isIn(RetrainJob.Result.PROMOTED, RetrainJob.Result.HELD);

        JsonNode card =
                JsonMapper.shared().readTree(jdbc.queryForObject("SELECT card::text FROM router_models", String.class));
        assertThat(card.path("difficulty").path("label").asString()).doesNotContain(STRONG);
        assertThat(card.path("held_out"))
                .isNotEmpty()
                .allSatisfy(pair -> assertThat(pair.path("weak").asString()).isNotEqualTo(STRONG));
        JsonNode labels = JsonMapper.shared()
                .readTree(jdbc.queryForObject("SELECT metrics::text FROM router_models", String.class))
                .path("labels");
        assertThat(labels.path("strong_own").asInt()).isEqualTo(20);
        assertThat(labels.path("self_judged").asInt()).isEqualTo(1);
        assertThat(output())
                .contains("retrain: 61 labels on 60 prompts (")
                .contains("the newest); 20 on the strong model " + STRONG
                        + "'s own answers (its score in their rows, never a weak model's), 1 judging a"
                        + " model against itself (left out)");
    }

    @Test
    void feedbackOnlyOnTheStrongModelsAnswersIsNothingToTrainOn() throws Exception {
        for (int i = 0; i < 10; i++) {
            label("feedback", demo.get(i), STRONG, null, NOW.minusSeconds(100 - i));
        }

        assertThat(retrain(NOW)).as(output()).isEqualTo(RetrainJob.Result.NOTHING_TO_TRAIN);
        assertThat(output())
                .contains("retrain: nothing to train on (no labelled prompt left for training has a weak model's"
                        + " answer, no ponder.learning.retrain.seed-data)");
    }

    private RetrainJob.Result retrain(Instant at) throws IOException, SQLException {
        return TestBackends.retrainJob(dataSource, Clock.fixed(at, ZoneOffset.UTC))
                .run(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return log.toString(StandardCharsets.UTF_8);
    }

    /** What shadow sampling stores: the weak model's answer judged against the strong model's. */
    private void shadow(OutcomeRow r, Instant at) {
        label("shadow", r, WEAK, STRONG, at);
    }

    private void label(String source, OutcomeRow r, String model, String reference, Instant at) {
        TestLabels.store(jdbc, source, r, model, reference, at);
    }

    private static List<OutcomeRow> demo() {
        try {
            return OutcomeFile.read(DEMO).stream()
                    .filter(r -> r.has(WEAK, STRONG))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
