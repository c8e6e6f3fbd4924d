package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.ponder.gateway.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How many outcomes a second the writer stores: prints the figure (docs/learning.md quotes it) and checks only that
 * every outcome arrived, since a timed assertion on a shared machine proves nothing.
 */
class OutcomeLogThroughputTest {

    private static final int OUTCOMES = 20_000;

    @TempDir
    Path journal;

    @Test
    void theWriterStoresABurstOfOutcomesAndReportsItsRate() throws Exception {
        try (HikariDataSource db = new HikariDataSource()) {
            db.setJdbcUrl(TestDatabase.create());
            db.setUsername("postgres");
            Flyway.configure()
                    .dataSource(db)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            JdbcTemplate jdbc = new JdbcTemplate(db);
            try (OutcomeLog outcomeLog =
                    new OutcomeLog(jdbc, journal, OUTCOMES, 500, Duration.ofSeconds(1), Duration.ZERO)) {
                Instant now = Instant.now();
                long start = System.nanoTime();
                for (int i = 0; i < OUTCOMES; i++) {
                    outcomeLog.onOutcome(Outcomes.escalated("burst-" + i, now));
                }
                long enqueued = System.nanoTime();
                long deadline = start + Duration.ofSeconds(120).toNanos();
                while (outcomeLog.written() < OUTCOMES && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        "outcome writer: %d outcomes (%d attempt rows) stored in %.2f s = %.0f outcomes/s;"
                                + " enqueueing took %.1f us each; slowest batch %.1f ms%n",
                        outcomeLog.written(),
                        2 * OUTCOMES,
                        seconds,
                        outcomeLog.written() / seconds,
                        (enqueued - start) / 1e3 / OUTCOMES,
                        outcomeLog.maxWriteMillis());
                assertThat(outcomeLog.written()).isEqualTo(OUTCOMES);
                assertThat(jdbc.queryForObject("SELECT count(*) FROM requests", Long.class))
                        .isEqualTo(OUTCOMES);
            }
        }
    }
}
