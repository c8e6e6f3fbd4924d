package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.AbstractApplicationContext;

/** {@code ponder.jar retrain} as an operator runs it: its own Spring context, not the gateway's. */
class RetrainCommandTest {

    @TempDir
    Path journal;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void retrainStartsOnItsOwnAndSaysThereIsNothingToTrainOnAnEmptyLog() throws Exception {
        assertThat(retrain()).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(2);
    }

    @Test
    void seedDataThatCannotTrainAModelFailsTheRunWithOneLine() throws Exception {
        // Held out (split test) and so never trained on.
        Path seed = Files.writeString(
                journal.resolve("seed.jsonl"),
                "{\"id\": \"a\", \"source\": \"s\", \"split\": \"test\", \"prompt\": \"2+2?\", \"outcomes\":"
                        + " {\"mistralai/mistral-7b-chat\": {\"score\": 1}, \"gpt-4-1106-preview\": {\"score\": 1}}}\n");

        assertThat(retrain("--ponder.learning.retrain.seed-data=" + seed)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("retrain: failed: every row of [" + seed + "] is held out (split \"test\", or split"
                        + " \"all\" or absent and held out by its source at --test-fraction 0.5): nothing to train on;"
                        + " mark training rows \"split\":\"train\" or lower --test-fraction\n");
    }

    @Test
    void theJobDoesNotWarmUpTheGatewaysRouter() {
        // The warm-up would load the bundled sentence encoder for nothing, and a job that ends while it loads printed
        // its stack trace ("Shutdown in progress") after "nothing to train on".
        try (ConfigurableApplicationContext job = RetrainCommand.start(
                arguments(TestDatabase.create()).stream().skip(1).toArray(String[]::new))) {
            assertThat(((AbstractApplicationContext) job).getApplicationListeners())
                    .map(Object::toString)
                    .noneMatch(listener -> listener.contains("warmUp"));
        }
    }

    @Test
    void aSingleLabelAllHeldOutIsNothingToTrainNotAFailedRun() throws Exception {
        String database = TestDatabase.create();
        assertThat(retrainOn(database)).isEqualTo(2); // migrates the new database
        try (Connection c = DriverManager.getConnection(database, "postgres", "");
                Statement s = c.createStatement()) {
            // What one thumbs-up on the quick start's demo becomes.
            s.execute("INSERT INTO labels (request_id, request_created_at, source, model, score, judge, prompt,"
                    + " created_at) VALUES ('chatcmpl-1', now(), 'feedback', 'mistralai/mixtral-8x7b-chat', 1,"
                    + " 'user', 'Write a function to find the median of three numbers.', now())");
        }
        out.reset();

        assertThat(retrainOn(database)).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("retrain: nothing to train on (1 labelled prompt(s), all held out for the comparison,");
    }

    private List<String> arguments(String database, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "retrain",
                "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres",
                "--ponder.outcomes.journal.dir=" + journal));
        args.addAll(List.of(extra));
        return args;
    }

    private int retrain(String... extra) throws Exception {
        return retrainOn(TestDatabase.create(), extra);
    }

    private int retrainOn(String database, String... extra) throws Exception {
        return RetrainCommand.run(
                arguments(database, extra).toArray(String[]::new),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
