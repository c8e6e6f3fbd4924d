package dev.ponder.gateway.embedded;

import dev.ponder.gateway.config.StartupFailure;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;

/**
 * The embedded PostgreSQL of one Ponder process. The process holds a lock file beside the data directory for as long
 * as it runs, so that a second Ponder on the same directory is told so at once; holding it, a PostgreSQL still running
 * in the directory can only be one that a killed Ponder left behind, and is stopped before this one starts. The
 * {@code retrain} job may instead attach to the PostgreSQL a running gateway started, which it leaves running.
 */
final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);
    private static final String OTHER_DATABASE =
            "or set spring.datasource.url to use a PostgreSQL of your own instead of the embedded one.";

    private final FileChannel lock;
    private final EmbeddedPostgres postgres;
    private final String jdbcUrl;

    private EmbeddedDatabase(FileChannel lock, EmbeddedPostgres postgres, String jdbcUrl) {
        this.lock = lock;
        this.postgres = postgres;
        this.jdbcUrl = jdbcUrl;
    }

    /** Starts PostgreSQL in {@code dataDir} (initialising it when empty), or fails with what to do about it. */
    static EmbeddedDatabase start(Path dataDir) {
        return start(dataDir, false);
    }

    /**
     * Starts PostgreSQL in {@code dataDir}; when another Ponder runs it and {@code attach} is set, connects to that
     * one instead of failing (its port is in {@code postmaster.pid}), and leaves it running at {@link #close()}.
     */
    static EmbeddedDatabase start(Path dataDir, boolean attach) {
        Path dir = dataDir.toAbsolutePath().normalize();
        FileChannel lock = lock(dir);
        if (lock == null) {
            Optional<Postmaster> running = attach ? postmaster(dir) : Optional.empty();
            if (running.isEmpty()) {
                throw new StartupFailure(
                        "ponder.embedded.data-dir " + dir + " is in use by another Ponder process (it holds "
                                + lockFile(dir) + ")",
                        "Stop the other Ponder, give this one another ponder.embedded.data-dir, " + OTHER_DATABASE,
                        null);
            }
            log.info("Using the embedded PostgreSQL that another Ponder runs in {} (port {})", dir, running.get().port);
            return new EmbeddedDatabase(null, null, url(running.get().port));
        }
        try {
            stopOrphan(dir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    // Spring stops it after everything that writes to it at shutdown (in-flight requests, the
                    // outcome log's last flush, the usage sync); the library's own JVM hook would stop it the
                    // moment the JVM is told to stop, while those still run.
                    .setRegisterShutdownHook(false)
                    .start();
            return new EmbeddedDatabase(lock, postgres, url(postgres.getPort()));
        } catch (IOException | RuntimeException e) {
            close(lock);
            if (e instanceof StartupFailure failure) {
                throw failure;
            }
            throw new StartupFailure(
                    "The embedded PostgreSQL did not start in " + dir + ": "
                            + NestedExceptionUtils.getMostSpecificCause(e),
                    "Its own log lines above say why; fix that, give ponder.embedded.data-dir another directory, "
                            + OTHER_DATABASE,
                    e);
        }
    }

    String jdbcUrl() {
        return jdbcUrl;
    }

    private static String url(int port) {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    /** Stops PostgreSQL, unless another Ponder runs it. */
    @Override
    public void close() throws IOException {
        if (lock == null) {
            return;
        }
        try {
            postgres.close();
        } finally {
            close(lock);
        }
    }

    private static Path lockFile(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".lock");
    }

    /** The data directory's lock, or null when another process holds it. */
    private static FileChannel lock(Path dir) {
        Path file = lockFile(dir);
        FileChannel channel;
        try {
            Files.createDirectories(dir.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StartupFailure(
                    "ponder.embedded.data-dir " + dir + " cannot be used: " + e,
                    "Give ponder.embedded.data-dir a directory this user can write, " + OTHER_DATABASE,
                    e);
        }
        try {
            if (channel.tryLock() != null) {
                return channel;
            }
        } catch (OverlappingFileLockException | IOException e) {
            // held by this JVM already, or the lock could not be taken: either way not ours to use
        }
        close(channel);
        return null;
    }

    /**
     * Stops a PostgreSQL that still runs in {@code dir}: with this process holding the directory's lock, it was left by
     * a Ponder that was killed (PostgreSQL runs as a process of its own and outlives it), and it would make this start
     * fail on its {@code postmaster.pid}.
     */
    private static void stopOrphan(Path dir) {
        Optional<ProcessHandle> orphan = postmaster(dir).map(Postmaster::process);
        if (orphan.isEmpty()) {
            return;
        }
        long pid = orphan.get().pid();
        log.warn(
                "A PostgreSQL (PID {}) left running in {} by a Ponder that did not stop cleanly: stopping it",
                pid,
                dir);
        orphan.get().destroy(); // SIGTERM, PostgreSQL's smart shutdown: the killed Ponder's connections are gone
        try {
            orphan.get().onExit().get(ORPHAN_STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new StartupFailure(
                    "The PostgreSQL (PID " + pid + ") left running in " + dir + " by an earlier Ponder did not stop"
                            + " within " + ORPHAN_STOP_WAIT.toSeconds() + " s",
                    "Stop it (kill " + pid + ") and start Ponder again.",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupFailure("Interrupted while stopping PostgreSQL " + pid, "Start Ponder again.", e);
        }
    }

    /** A running PostgreSQL server process and the port it listens on. */
    private record Postmaster(ProcessHandle process, int port) {}

    /** The live postmaster that {@code dir/postmaster.pid} names, if it is a postgres process serving {@code dir}. */
    private static Optional<Postmaster> postmaster(Path dir) {
        long pid;
        int port;
        try {
            // postmaster.pid: the PID, the data directory, the start time, the port, ...
            List<String> lines = Files.readAllLines(dir.resolve("postmaster.pid"));
            pid = Long.parseLong(lines.get(0).strip());
            port = Integer.parseInt(lines.get(3).strip());
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // none, or unreadable: PostgreSQL itself decides whether it is stale
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().orElse("").endsWith("postgres"))
                .filter(p ->
                        p.info().arguments().map(List::of).orElse(List.of()).contains(dir.toString()))
                .map(p -> new Postmaster(p, port));
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("Could not release {}", channel, e);
        }
    }
}
