package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import dev.ponder.gateway.config.PonderProperties;
import java.sql.Connection;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** The hourly upkeep of the outcome log: rollups that catch late rows, retention that never stalls the writer. */
class PartitionUpkeepTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:34:56Z");
    private static final LocalDate TODAY = LocalDate.ofInstant(NOW, ZoneOffset.UTC);

    private JdbcTemplate jdbc;
    private OutcomeConfiguration upkeep;

    @BeforeEach
    void database() {
        jdbc = new JdbcTemplate(TestDatabase.migrated());
        jdbc.queryForList("SELECT ponder_ensure_partitions(?, 50)", TODAY.minusDays(40));
        upkeep = new OutcomeConfiguration(
                jdbc,
                Clock.fixed(NOW, ZoneOffset.UTC),
                new PonderProperties(null, null, null, null),
                new JournalProperties(null, null));
    }

    @Test
    void rowsWrittenDaysLateAreRolledUpIntoTheirDaysUsage() {
        LocalDate threeDaysAgo = TODAY.minusDays(3);
        log("on-time", threeDaysAgo.atTime(10, 0).toInstant(ZoneOffset.UTC));
        // The rollup of that day, as the upkeep left it at the end of the day.
        jdbc.queryForList("SELECT ponder_rollup_usage(?)", threeDaysAgo);
        upkeep.maintainPartitions();

        log("replayed-from-the-journal", threeDaysAgo.atTime(23, 59).toInstant(ZoneOffset.UTC));
        upkeep.maintainPartitions();

        assertThat(usage(threeDaysAgo)).isEqualTo(2);
        upkeep.maintainPartitions();
        assertThat(usage(threeDaysAgo)).as("rolling up again is idempotent").isEqualTo(2);
    }

    @Test
    void retentionGivesWayToALongReadInsteadOfStallingTheWriter() throws Exception {
        log("expired", TODAY.minusDays(35).atStartOfDay().toInstant(ZoneOffset.UTC));
        try (Connection reader = jdbc.getDataSource().getConnection()) {
            // A long read of the log (a month-long console search, a retraining run) holds its tables.
            reader.setAutoCommit(false);
            try (Statement read = reader.createStatement()) {
                read.executeQuery("SELECT count(*) FROM requests").close();
            }
            CompletableFuture<Void> retention = CompletableFuture.runAsync(upkeep::maintainPartitions);
            Thread.sleep(300);

            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> log("fresh", NOW));

            write.get(20, TimeUnit.SECONDS);
            retention.get(20, TimeUnit.SECONDS);
            reader.rollback();
        }
        assertThat(partitionExists(TODAY.minusDays(35)))
                .as("kept while the read held it")
                .isTrue();

        upkeep.maintainPartitions();

        assertThat(partitionExists(TODAY.minusDays(35)))
                .as("dropped at the next upkeep")
                .isFalse();
        assertThat(partitionExists(TODAY.minusDays(30))).isTrue();
    }

    private void log(String id, Instant at) {
        jdbc.update("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, status, http_status,
                                      answered_by, attempts, escalations, total_ms, backend_ms, input_tokens,
                                      output_tokens, cost_usd)
                VALUES (?, ?, 'default', 'ponder', 'answered', 200, 'small', 1, 0, 42, 40, 10, 5, 0.001)
                """, id, Timestamp.from(at));
    }

    private long usage(LocalDate day) {
        return jdbc.queryForObject(
                "SELECT coalesce(sum(requests), 0) FROM usage_rollups WHERE day = ?", Long.class, day);
    }

    private boolean partitionExists(LocalDate day) {
        return jdbc.queryForObject(
                "SELECT to_regclass(?) IS NOT NULL",
                Boolean.class,
                "requests_" + day.toString().replace("-", ""));
    }
}
