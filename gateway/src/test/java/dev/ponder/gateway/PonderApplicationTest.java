package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void helpAfterPropertiesPrintsTheUsageInsteadOfStartingTheGateway() throws Exception {
        assertThat(command("--server.port=8081", "--help")).hasValue(0);
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

    /**
     * On an older default Java the launcher relaunches the jar on JDK 21+ and waits for it; its shutdown hook is what
     * a SIGTERM to the launcher alone runs. The child here stands for the gateway: it ends through its SIGTERM
     * handler, after a pause as a draining gateway's, with exit code 0 (a kill would end it with another).
     */
    @Test
    void stoppingTheLauncherStopsTheRelaunchedGatewayAndWaitsForItsShutdown() throws Exception {
        Process gateway = new ProcessBuilder(
                        "sh", "-c", "trap 'sleep 0.3; exit 0' TERM; echo started; while :; do sleep 0.05; done")
                .redirectErrorStream(true)
                .start();
        try {
            assertThat(new String(gateway.getInputStream().readNBytes(8), StandardCharsets.US_ASCII))
                    .as("the child runs with its SIGTERM handler set")
                    .isEqualTo("started\n");

            // The JVM runs each shutdown hook on its own thread.
            Thread hook = PonderApplication.stopping(gateway);
            hook.start();
            hook.join(10_000);

            assertThat(hook.isAlive()).as("the hook is done within 10 s").isFalse();
            assertThat(gateway.isAlive())
                    .as("the hook returns once the gateway has exited")
                    .isFalse();
            assertThat(gateway.exitValue())
                    .as("stopped by SIGTERM, through its own shutdown")
                    .isZero();
        } finally {
            gateway.destroyForcibly();
        }
    }

    @Test
    void propertiesAloneStartTheGateway() throws Exception {
        assertThat(command()).isEmpty();
        assertThat(command("--server.port=8081", "--ponder.default-policy=fast"))
                .isEmpty();
    }

    @Test
    void aWordAmongTheGatewaysPropertiesIsAUsageErrorInsteadOfBeingIgnored() throws Exception {
        assertThat(command("--server.port=8081", "-Xmx1g", "--ponder.default-policy=fast"))
                .hasValue(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("ponder: '-Xmx1g' is not a --property=value (JVM options such as -Xmx or -Dx=y go before"
                        + " -jar)\n")
                .contains(PonderApplication.USAGE);
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

    /**
     * {@code train} and {@code eval} report by printing; the libraries they load must not add log lines to it (DJL's
     * tokenizer warns about CUDA on every machine without a GPU driver, and logs where it found its native code).
     */
    @Test
    void evalPrintsItsReportWithoutTheLibrariesLogLines(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("rows.jsonl");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            rows.append(
                    "{\"id\":\"r%d\",\"source\":\"t\",\"split\":\"test\",\"prompt\":\"What is %d + %d?\",\"outcomes\":{\"w\":{\"score\":%d},\"s\":{\"score\":1}}}\n"
                            .formatted(i, i, i * 7, i % 2));
        }
        Files.writeString(data, rows);
        Process eval = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElseThrow(),
                        "--enable-native-access=ALL-UNNAMED", // as the jar's manifest grants
                        "-cp",
                        System.getProperty("java.class.path"),
                        PonderApplication.class.getName(),
                        "eval",
                        "--data",
                        data.toString(),
                        "--weak",
                        "w",
                        "--strong",
                        "s",
                        "--out",
                        dir.resolve("out").toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(eval.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(eval.waitFor()).as(output).isZero();
        assertThat(output).contains("\"n\":12").doesNotContain("ai.djl");
    }

    private Optional<Integer> command(String... args) throws Exception {
        return PonderApplication.command(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
