package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What {@code java -jar ponder.jar ARGS} does before any gateway starts: help, subcommands, and mistakes. */
class PonderApplicationTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void helpPrintsTheUsageInsteadOfStartingTheGateway() throws Exception {
        assertThat(command("--help")).hasValue(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(PonderApplication.USAGE + "\n");
    }

    @Test
    void aWordThatIsNoSubcommandIsAUsageErrorInsteadOfStartingTheGateway() throws Exception {
        assertThat(command("retrian", "--spring.datasource.url=jdbc:postgresql://db/ponder"))
                .hasValue(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("ponder: 'retrian' is not a subcommand (train, eval, retrain) nor a --property=value\n")
                .contains(PonderApplication.USAGE);
    }

    @Test
    void propertiesAloneStartTheGateway() throws Exception {
        assertThat(command()).isEmpty();
        assertThat(command("--server.port=8081", "--ponder.default-policy=fast"))
                .isEmpty();
    }

    @Test
    void retrainHelpPrintsItsUsageWithoutRunningTheJob() throws Exception {
        assertThat(command("retrain", "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none", "--help"))
                .hasValue(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: java -jar ponder.jar retrain");
    }

    @Test
    void retrainRefusesAnArgumentSpringWouldIgnore() throws Exception {
        assertThat(command("retrain", "seed.jsonl")).hasValue(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("retrain: 'seed.jsonl' is not a --property=value\n");
    }

    @Test
    void routerSubcommandsRunWithTheirOwnUsageErrors() throws Exception {
        assertThat(command("eval")).hasValue(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("eval: missing required option --data\n");
    }

    private Optional<Integer> command(String... args) throws Exception {
        return PonderApplication.command(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
