package dev.ponder.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Price;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.gateway.TestTiers;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** The overview read from hourly rollups plus the partial hours at the range's ends equals the logged rows. */
class ConsoleQueriesTest {

    // Not on an hour boundary, so that both ends of every range have partial hours.
    private static final Instant NOW = Instant.parse("2026-03-10T12:34:56Z");
    private static final String EXACT = """
            SELECT count(*) AS requests, count(*) FILTER (WHERE status = 'failed') AS failed,
                   count(*) FILTER (WHERE escalations > 0) AS escalated, coalesce(sum(cost_usd), 0) AS cost_usd,
                   coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY total_ms), 0) AS p50_ms,
                   coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY total_ms), 0) AS p99_ms
            FROM requests WHERE created_at >= ? AND created_at < ?
            """;

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void logOfThreeDays() {
        jdbc = new JdbcTemplate(TestDatabase.migrated());
        jdbc.queryForList(
                "SELECT ponder_ensure_partitions(?, 6)",
                LocalDate.ofInstant(NOW, ZoneOffset.UTC).minusDays(4));
        // 3,000 requests a minute and a half apart before NOW, and a few logged in the future of the clock's hour.
        jdbc.update("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, status, http_status,
                                      answered_by, attempts, escalations, total_ms, backend_ms, input_tokens,
                                      output_tokens, cost_usd)
                SELECT 'r' || i, ?::timestamptz - i * interval '87 seconds', CASE WHEN i % 3 = 0 THEN 'hard' END,
                       'ponder', CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'answered' END, 200,
                       CASE WHEN i % 50 = 0 THEN NULL WHEN i % 4 = 0 THEN 'large' ELSE 'small' END,
                       1 + i % 4 / 3, i % 4 / 3, 10 + i % 1000 * 7.3, 10, 100 + i % 7, 50 + i % 11, (i % 13) / 1e4
                FROM generate_series(-20, 3000) i
                """, Timestamp.from(NOW));
    }

    /** Rows logged in the same microsecond straddle page ends: the cursor names a row, not only an instant. */
    @Test
    void pagingWithTheLastRowsCursorShowsEveryRequestOnceNewestFirst() {
        // 120 requests of policy 'paged', three in each microsecond, so that every page ends inside such a triple.
        jdbc.update("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, status, http_status,
                                      attempts, escalations, total_ms, backend_ms, input_tokens, output_tokens,
                                      cost_usd)
                SELECT 'p' || lpad(i::text, 3, '0'), ?::timestamptz - interval '2 hours' - (i / 3) * interval '1 microsecond',
                       'paged', 'ponder', 'answered', 200, 1, 0, 10, 10, 1, 1, 0
                FROM generate_series(0, 119) i
                """, Timestamp.from(NOW));
        ConsoleQueries queries = new ConsoleQueries(jdbc, Clock.fixed(NOW, ZoneOffset.UTC));
        Instant from = NOW.minus(Duration.ofDays(1));

        List<String> seen = new java.util.ArrayList<>();
        Instant before = null;
        String beforeId = null;
        int pages = 0;
        while (true) {
            List<Map<String, Object>> page =
                    queries.requests(new RequestFilter(from, before, beforeId, "paged", null, null, null));
            page.forEach(row -> seen.add((String) row.get("request_id")));
            pages++;
            if (page.size() < ConsoleQueries.PAGE_SIZE) {
                break;
            }
            before = ((Timestamp) page.getLast().get("created_at")).toInstant();
            beforeId = (String) page.getLast().get("request_id");
        }

        assertThat(pages).isEqualTo(3);
        List<String> newestFirst = jdbc.queryForList(
                "SELECT request_id FROM requests WHERE policy = 'paged' ORDER BY created_at DESC, request_id DESC",
                String.class);
        assertThat(seen).hasSize(120).doesNotHaveDuplicates().isEqualTo(newestFirst);
    }

    @Test
    void overviewTotalsMatchTheLoggedRowsForEveryRange() {
        ConsoleQueries queries = new ConsoleQueries(jdbc, Clock.fixed(NOW, ZoneOffset.UTC));
        for (Duration range : List.of(Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(3))) {
            Instant from = NOW.minus(range);
            Map<String, Object> exact = jdbc.queryForMap(EXACT, Timestamp.from(from), Timestamp.from(NOW));
            Map<String, Object> totals = queries.totals(from);

            for (String count : List.of("requests", "failed", "escalated")) {
                assertThat(((Number) totals.get(count)).longValue())
                        .as("%s over %s", count, range)
                        .isEqualTo(((Number) exact.get(count)).longValue());
            }
            assertThat((Double) totals.get("cost_usd")).isCloseTo((Double) exact.get("cost_usd"), within(1e-9));
            for (String percentile : List.of("p50_ms", "p99_ms")) {
                double expected = (Double) exact.get(percentile);
                assertThat((Double) totals.get(percentile))
                        .as("%s over %s", percentile, range)
                        .isCloseTo(expected, within(expected * 0.05));
            }
            long charted = queries.series(from, range.dividedBy(48)).stream()
                    .mapToLong(row -> ((Number) row.get("requests")).longValue())
                    .sum();
            assertThat(charted).as("series over %s", range).isEqualTo(((Number) exact.get("requests")).longValue());
        }
    }

    @Test
    void tokensAndMeanCostsMatchTheLoggedRows() {
        ConsoleQueries queries = new ConsoleQueries(jdbc, Clock.fixed(NOW, ZoneOffset.UTC));
        Instant from = NOW.minus(Duration.ofDays(2));
        Map<String, Object> exact = jdbc.queryForMap("""
                SELECT sum(input_tokens::double precision / attempts) AS input_tokens FROM requests
                WHERE created_at >= ? AND created_at < ? AND policy = 'hard' AND status <> 'failed'
                """, Timestamp.from(from), Timestamp.from(NOW));
        Map<String, Object> hard = queries.tokensByPolicy(from).stream()
                .filter(row -> "hard".equals(row.get("policy")))
                .findFirst()
                .orElseThrow();
        assertThat((Double) hard.get("input_tokens")).isCloseTo((Double) exact.get("input_tokens"), within(1e-6));

        double largeCost = jdbc.queryForObject(
                "SELECT avg(cost_usd) FROM requests WHERE created_at >= ? AND created_at < ? AND answered_by = 'large'",
                Double.class,
                Timestamp.from(from),
                Timestamp.from(NOW));
        assertThat(queries.meanCostByBackend(from).get("large")).isCloseTo(largeCost, within(1e-12));
    }

    /**
     * A failed request was counted in the "always the top tier" counterfactual as if the top tier had answered it:
     * at one attempt's tokens at its price, or at the top tier's mean cost where that price is 0. It counts at what
     * its attempts cost, so that failures move no savings.
     */
    @Test
    void aFailedRequestCostsWhatItsAttemptsCostInTheCounterfactualAndMovesNoSavings() {
        JdbcTemplate own = new JdbcTemplate(TestDatabase.migrated());
        own.queryForList("SELECT ponder_ensure_partitions(?, 2)", LocalDate.ofInstant(NOW, ZoneOffset.UTC));
        // request, policy, status, answered_by, attempts, input and output tokens (all attempts), cost
        Object[][] rows = {
            {"a1", "priced", "answered", "small", 1, 1000, 500, 0.0},
            {"a2", "priced", "answered", "large", 2, 2000, 1000, 0.025},
            {"a3", "priced", "failed", null, 2, 1000, 500, 0.0}, // small doubted, large failed: free
            {"a4", "priced", "failed", null, 2, 3000, 1500, 0.05}, // cut by the client after large's answer
            {"b1", "replayed", "answered", "big", 1, 10, 10, 0.03},
            {"b2", "replayed", "answered", "big", 1, 10, 10, 0.05},
            {"b3", "replayed", "answered", "tiny", 1, 10, 10, 0.001},
            {"b4", "replayed", "failed", null, 2, 10, 0, 0.002},
        };
        for (Object[] row : rows) {
            own.update("""
                    INSERT INTO requests (request_id, created_at, policy, requested_model, status, http_status,
                                          answered_by, attempts, escalations, total_ms, backend_ms, input_tokens,
                                          output_tokens, cost_usd)
                    VALUES (?, ?::timestamptz - interval '10 minutes', ?, 'ponder', ?, 200, ?, ?, 0, 10, 10, ?, ?, ?)
                    """, row[0], Timestamp.from(NOW), row[1], row[2], row[3], row[4], row[5], row[6], row[7]);
        }
        Map<String, CascadePolicy> policies = Map.of(
                "priced",
                new CascadePolicy(
                        "priced",
                        List.of(TestTiers.of("small", Price.FREE), TestTiers.of("large", new Price(10, 30))),
                        null,
                        null),
                "replayed",
                new CascadePolicy(
                        "replayed",
                        List.of(TestTiers.of("tiny", Price.FREE), TestTiers.of("big", Price.FREE)),
                        null,
                        null));
        ConsoleQueries queries = new ConsoleQueries(own, Clock.fixed(NOW, ZoneOffset.UTC));
        Instant from = NOW.minus(Duration.ofHours(1));

        double counterfactual = queries.topTierCost(from, policies);
        double cost = ((Number) queries.totals(from).get("cost_usd")).doubleValue();

        // priced: a1 and a2 at one attempt's 1,000 in and 500 out at large's price, $0.025 each; a3 and a4 at
        // their own cost. replayed: b1 to b3 at big's mean cost, $0.04 each; b4 at its own cost.
        assertThat(counterfactual).isCloseTo(0.025 + 0.025 + 0.0 + 0.05 + 3 * 0.04 + 0.002, within(1e-12));
        // the savings are the answered requests' alone: priced 0.05 - 0.025, replayed 0.12 - 0.081
        assertThat(counterfactual - cost).isCloseTo(0.025 + 0.039, within(1e-12));
    }

    @Test
    void percentileIsTheMiddleOfTheBucketHoldingTheQuantile() {
        // buckets 10 (1.1^10..1.1^11 ms) with 90 requests and 30 with 10
        List<long[]> histogram = List.of(new long[] {10, 90}, new long[] {30, 10});

        assertThat(ConsoleQueries.percentile(histogram, 0.5)).isCloseTo(Math.pow(1.1, 10.5), within(1e-9));
        assertThat(ConsoleQueries.percentile(histogram, 0.95)).isCloseTo(Math.pow(1.1, 30.5), within(1e-9));
        assertThat(ConsoleQueries.percentile(List.of(), 0.5)).isZero();
    }
}
