package dev.ponder.gateway.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.config.StartupFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

    @TempDir
    Path home;

    @Test
    void aPostgresLeftRunningByAKilledPonderIsStoppedSoThatTheNextStartSucceeds() throws Exception {
        Path dir = home.resolve("pgdata");
        Process ponder = startChild(dir);
        assertThat(ponder.inputReader(StandardCharsets.UTF_8).lines().anyMatch(ChildPonder.READY::equals))
                .isTrue();
        long orphanPid = Long.parseLong(
                Files.readAllLines(dir.resolve("postmaster.pid")).getFirst().strip());
        ponder.toHandle().destroyForcibly(); // kill -9: its PostgreSQL, a process of its own, keeps running
        ponder.waitFor();
        assertThat(ProcessHandle.of(orphanPid).filter(ProcessHandle::isAlive)).isPresent();

        try (EmbeddedDatabase database = EmbeddedDatabase.start(dir)) {
            assertThat(answers(database.jdbcUrl())).isTrue();
            assertThat(ProcessHandle.of(orphanPid).filter(ProcessHandle::isAlive))
                    .isEmpty();
        }
    }

    @Test
    void aSecondPonderOnTheSameDataDirectoryIsToldTheDirectoryIsInUse() {
        Path dir = home.resolve("pgdata");
        try (EmbeddedDatabase first = EmbeddedDatabase.start(dir)) {
            assertThatThrownBy(() -> EmbeddedDatabase.start(dir))
                    .isInstanceOf(StartupFailure.class)
                    .hasMessage("ponder.embedded.data-dir " + dir + " is in use by another Ponder process (it holds "
                            + dir + ".lock)");
            assertThat(answers(first.jdbcUrl())).isTrue();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void retrainAttachesToThePostgresARunningPonderStartedAndLeavesItRunning() throws Exception {
        Path dir = home.resolve("pgdata");
        Process ponder = startChild(dir);
        try {
            assertThat(ponder.inputReader(StandardCharsets.UTF_8).lines().anyMatch(ChildPonder.READY::equals))
                    .isTrue();

            EmbeddedDatabase attached = EmbeddedDatabase.start(dir, true);
            assertThat(answers(attached.jdbcUrl())).isTrue();
            attached.close();
            assertThat(answers(attached.jdbcUrl()))
                    .as("still running for its owner")
                    .isTrue();
        } finally {
            ponder.toHandle().destroy();
            ponder.waitFor();
        }
    }

    @Test
    void aDataDirectoryThatCannotBeCreatedIsNamedWithTheReason() throws IOException {
        Path file = Files.writeString(home.resolve("a-file"), "x");

        assertThatThrownBy(() -> EmbeddedDatabase.start(file.resolve("pgdata")))
                .isInstanceOf(StartupFailure.class)
                .hasMessageStartingWith("ponder.embedded.data-dir " + file.resolve("pgdata") + " cannot be used: ")
                .hasMessageContaining("FileAlreadyExistsException");
    }

    @Test
    void theDatabaseStillAnswersWhileOtherShutdownHooksRunAfterSigterm() throws Exception {
        Process ponder = startChild(home.resolve("pgdata"));
        StringBuilder output = new StringBuilder();
        try (var lines = ponder.inputReader(StandardCharsets.UTF_8)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                output.append(line).append('\n');
                if (line.equals(ChildPonder.READY)) {
                    ponder.toHandle().destroy(); // SIGTERM, as Kubernetes or kill stops Ponder
                }
            }
        }
        assertThat(ponder.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(output).contains(ChildPonder.READY).contains(ChildPonder.ANSWERED);
    }

    private static Process startChild(Path dir) throws IOException {
        return new ProcessBuilder(
                        ProcessHandle.current().info().command().orElseThrow(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ChildPonder.class.getName(),
                        dir.toString())
                .redirectErrorStream(true)
                .start();
    }

    static boolean answers(String url) {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            return s.execute("SELECT 1");
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * A process that starts the embedded database as Ponder does and, from a shutdown hook of its own (as Spring's
     * is), checks a second later that PostgreSQL still answers, then closes it as Spring would.
     */
    static final class ChildPonder {
        static final String READY = "probe: ready";
        static final String ANSWERED = "probe: answered during shutdown";

        public static void main(String[] args) throws Exception {
            EmbeddedDatabase database = EmbeddedDatabase.start(Path.of(args[0]));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Thread.sleep(1000);
                    System.out.println(answers(database.jdbcUrl()) ? ANSWERED : "probe: refused during shutdown");
                    database.close();
                } catch (InterruptedException | IOException e) {
                    e.printStackTrace();
                }
            }));
            System.out.println(READY);
            Thread.sleep(60_000);
        }
    }
}
