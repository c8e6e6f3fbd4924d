package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL stops under load and comes back on the same port and data directory: the writer spills to its journal
 * meanwhile and replays it, and every outcome arrives exactly once.
 */
class OutcomeLogOutageTest {

    @TempDir
    Path dir;

    private EmbeddedPostgres postgres;
    private OutcomeLog outcomeLog;
    private HikariDataSource pool;

    @AfterEach
    void stop() throws IOException {
        if (outcomeLog != null) {
            outcomeLog.close();
        }
        if (pool != null) {
            pool.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void everyOutcomeArrivesExactlyOnceAcrossADatabaseRestart() throws Exception {
        int port = freePort();
        postgres = start(port);
        // A pool as the gateway has; with a short connection timeout, as operators should set.
        pool = new HikariDataSource();
        pool.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/postgres");
        pool.setUsername("postgres");
        pool.setConnectionTimeout(2000);
        JdbcTemplate jdbc = new JdbcTemplate(pool);
        Flyway.configure()
                .dataSource(jdbc.getDataSource())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        outcomeLog = new OutcomeLog(jdbc, dir.resolve("journal"), 10_000, 200, Duration.ofMillis(200), Duration.ZERO);

        AtomicInteger sent = new AtomicInteger();
        Thread load = Thread.ofPlatform().start(() -> {
            long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (System.nanoTime() < end) {
                int n = sent.getAndIncrement();
                outcomeLog.onOutcome(Outcomes.escalated("req-" + n, Instant.now()));
                if (n % 10 == 9) {
                    sleep(10); // about 1,000 outcomes a second
                }
            }
        });
        sleep(1500);
        postgres.close();
        postgres = null;
        sleep(2000);
        long spilledWhileDown = outcomeLog.spilled();
        long journalWhileDown = outcomeLog.journalBytes();
        postgres = start(port);
        load.join();

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (outcomeLog.written() < sent.get() && System.nanoTime() < deadline) {
            sleep(100);
        }
        Map<String, Object> requests =
                jdbc.queryForMap("SELECT count(*) AS n, count(DISTINCT request_id) AS ids FROM requests");
        Map<String, Object> attempts =
                jdbc.queryForMap("SELECT count(*) AS n, count(DISTINCT (request_id, seq)) AS ids FROM attempts");
        System.out.printf(
                "outage: sent %d, spilled %d while down (journal %d bytes), %d in all, written %d, dropped %d%n",
                sent.get(),
                spilledWhileDown,
                journalWhileDown,
                outcomeLog.spilled(),
                outcomeLog.written(),
                outcomeLog.dropped());

        assertThat(spilledWhileDown).isPositive();
        assertThat(journalWhileDown).isPositive();
        assertThat(outcomeLog.dropped()).isZero();
        assertThat(requests).containsEntry("n", (long) sent.get()).containsEntry("ids", (long) sent.get());
        assertThat(attempts).containsEntry("n", 2L * sent.get()).containsEntry("ids", 2L * sent.get());
        assertThat(outcomeLog.journalBytes()).isZero();
    }

    private EmbeddedPostgres start(int port) throws IOException {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dir.resolve("pgdata"))
                .setCleanDataDirectory(false)
                .start();
    }

    /**
     * A free port below the kernel's ephemeral range: the database is stopped and started again on it, and in between
     * an outgoing connection (this JVM's pool keeps trying) could be given a free ephemeral port as its own.
     */
    private static int freePort() throws IOException {
        int ephemeralLow = 32768;
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) {
            ephemeralLow =
                    Integer.parseInt(Files.readAllLines(range).getFirst().trim().split("\\s+")[0]);
        }
        int low = Math.max(1024, ephemeralLow - 10_000);
        for (int tries = 0; tries < 100; tries++) {
            int port = ThreadLocalRandom.current().nextInt(low, ephemeralLow);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (BindException taken) {
                // try another
            }
        }
        throw new IOException("no free port in [" + low + ", " + ephemeralLow + ")");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
