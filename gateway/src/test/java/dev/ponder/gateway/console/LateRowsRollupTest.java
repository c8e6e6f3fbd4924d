package dev.ponder.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A row the outcome writer stores long after its hour was rolled up (a journal replayed after an outage) still counts
 * in the console's overview, and rolling up again changes nothing.
 */
class LateRowsRollupTest {

    private static final Instant NOW = Instant.parse("2026-03-10T12:34:56Z");
    private static final Instant THREE_HOURS_AGO = Instant.parse("2026-03-10T09:20:00Z");

    @Test
    void aRowWrittenHoursAfterItsHourWasRolledUpCountsInTheOverview() {
        JdbcTemplate jdbc = migratedDatabase();
        ConsoleQueries queries = new ConsoleQueries(jdbc, Clock.fixed(NOW, ZoneOffset.UTC));
        Instant from = NOW.minus(Duration.ofDays(1));
        log(jdbc, "on-time", THREE_HOURS_AGO, 0.01);
        assertThat(queries.totals(from)).containsEntry("requests", 1L);

        log(jdbc, "late", THREE_HOURS_AGO.plusSeconds(60), 0.02);

        Map<String, Object> totals = queries.totals(from);
        assertThat(totals).containsEntry("requests", 2L);
        assertThat((Double) totals.get("cost_usd")).isCloseTo(0.03, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(queries.series(from, Duration.ofHours(1)).stream()
                        .mapToLong(row -> ((Number) row.get("requests")).longValue())
                        .sum())
                .isEqualTo(2);
        List<Map<String, Object>> rolled = jdbc.queryForList("SELECT * FROM console_hourly ORDER BY hour");
        jdbc.queryForList("SELECT ponder_rollup_console(?)", Timestamp.from(NOW));
        assertThat(jdbc.queryForList("SELECT * FROM console_hourly ORDER BY hour"))
                .as("rolling up again is idempotent")
                .isEqualTo(rolled);
        assertThat(jdbc.queryForObject("SELECT sum(requests) FROM console_latency_hourly", Long.class))
                .isEqualTo(2);
    }

    static void log(JdbcTemplate jdbc, String id, Instant at, double cost) {
        jdbc.update("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, status, http_status,
                                      answered_by, attempts, escalations, total_ms, backend_ms, input_tokens,
                                      output_tokens, cost_usd)
                VALUES (?, ?, 'default', 'ponder', 'answered', 200, 'small', 1, 0, 42, 40, 10, 5, ?)
                """, id, Timestamp.from(at), cost);
    }

    private static JdbcTemplate migratedDatabase() {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        jdbc.queryForList(
                "SELECT ponder_ensure_partitions(?, 3)",
                LocalDate.ofInstant(NOW, ZoneOffset.UTC).minusDays(1));
        return jdbc;
    }
}
