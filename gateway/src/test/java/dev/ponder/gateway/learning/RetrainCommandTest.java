package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ponder.jar retrain} as an operator runs it: its own Spring context, not the gateway's. */
class RetrainCommandTest {

    @TempDir
    Path journal;

    @Test
    void retrainStartsOnItsOwnAndSaysThereIsNothingToTrainOnAnEmptyLog() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exit = RetrainCommand.run(
                new String[] {
                    "retrain",
                    "--spring.datasource.url=" + TestDatabase.create(),
                    "--spring.datasource.username=postgres",
                    "--ponder.outcomes.journal.dir=" + journal
                },
                new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);

        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(2);
    }
}
