package dev.ponder.gateway.console;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The console's reads of the outcome log. Every query is bounded by a time range, so that it touches only the daily
 * partitions it needs however large the log grows.
 */
@Component
class ConsoleQueries {

    static final int PAGE_SIZE = 50;

    private final JdbcTemplate jdbc;

    ConsoleQueries(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    Map<String, Object> totals(Instant from) {
        return jdbc.queryForMap("""
                SELECT count(*) AS requests,
                       count(*) FILTER (WHERE status = 'failed') AS failed,
                       count(*) FILTER (WHERE escalations > 0) AS escalated,
                       coalesce(sum(cost_usd), 0) AS cost_usd,
                       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms), 0) AS p50_ms,
                       coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY total_ms), 0) AS p95_ms,
                       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY total_ms), 0) AS p99_ms
                FROM requests WHERE created_at >= ?
                """, Timestamp.from(from));
    }

    /** Per policy: requests and the tokens of one attempt each, to price the "always the top tier" counterfactual. */
    List<Map<String, Object>> tokensByPolicy(Instant from) {
        return jdbc.queryForList("""
                SELECT policy, count(*) AS requests,
                       coalesce(sum(input_tokens::double precision / greatest(attempts, 1)), 0) AS input_tokens,
                       coalesce(sum(output_tokens::double precision / greatest(attempts, 1)), 0) AS output_tokens
                FROM requests WHERE created_at >= ? GROUP BY policy
                """, Timestamp.from(from));
    }

    /** Mean cost of the requests each backend answered: prices the counterfactual where the price table says 0. */
    Map<String, Double> meanCostByBackend(Instant from) {
        Map<String, Double> costs = new LinkedHashMap<>();
        jdbc.query(
                """
                SELECT answered_by, avg(cost_usd) AS mean_cost FROM requests
                WHERE created_at >= ? AND status = 'answered' GROUP BY answered_by
                """,
                rs -> {
                    costs.put(rs.getString(1), rs.getDouble(2));
                },
                Timestamp.from(from));
        return costs;
    }

    List<Map<String, Object>> series(Instant from, Duration bucket) {
        return jdbc.queryForList("""
                SELECT date_bin(make_interval(secs => ?), created_at, ?) AS bucket,
                       coalesce(answered_by, '(failed)') AS backend,
                       count(*) AS requests, sum(cost_usd) AS cost_usd
                FROM requests WHERE created_at >= ? GROUP BY 1, 2 ORDER BY 1
                """, bucket.toSeconds(), Timestamp.from(from), Timestamp.from(from));
    }

    List<Map<String, Object>> requests(RequestFilter filter) {
        StringBuilder sql = new StringBuilder("""
                SELECT request_id, created_at, policy, requested_model, status, http_status, answered_by,
                       answered_model, score, attempts, escalations, total_ms, cost_usd, stream
                FROM requests WHERE created_at >= ?
                """);
        List<Object> args = new ArrayList<>(List.of(Timestamp.from(filter.from())));
        if (filter.before() != null) {
            sql.append(" AND created_at < ?");
            args.add(Timestamp.from(filter.before()));
        }
        filter.policy().ifPresent(v -> and(sql, args, "policy = ?", v));
        filter.backend().ifPresent(v -> and(sql, args, "answered_by = ?", v));
        filter.status().ifPresent(v -> and(sql, args, "status = ?", v));
        filter.text().ifPresent(v -> {
            sql.append(" AND (request_id = ? OR prompt ILIKE ?)");
            args.add(v);
            args.add("%" + v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        });
        sql.append(" ORDER BY created_at DESC LIMIT ").append(PAGE_SIZE);
        return jdbc.queryForList(sql.toString(), args.toArray());
    }

    private static void and(StringBuilder sql, List<Object> args, String condition, Object value) {
        sql.append(" AND ").append(condition);
        args.add(value);
    }

    List<Map<String, Object>> request(String id) {
        return jdbc.queryForList("SELECT * FROM requests WHERE request_id = ?", id);
    }

    List<Map<String, Object>> attempts(String id) {
        return jdbc.queryForList("""
                SELECT seq, tier, tier_name, backend, model, verdict, latency_ms, first_token_ms, input_tokens,
                       output_tokens, cost_usd, signals::text AS signals, error
                FROM attempts WHERE request_id = ? ORDER BY seq
                """, id);
    }

    /** Latency and outcome of each backend's attempts over the last hour. */
    Map<String, Map<String, Object>> backendLatency(Instant from) {
        Map<String, Map<String, Object>> byBackend = new LinkedHashMap<>();
        jdbc.queryForList("""
                        SELECT backend, count(*) AS attempts,
                               count(*) FILTER (WHERE verdict = 'failed') AS failed,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50_ms,
                               percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_ms
                        FROM attempts WHERE created_at >= ? GROUP BY backend
                        """, Timestamp.from(from)).forEach(row -> byBackend.put((String) row.get("backend"), row));
        return byBackend;
    }

    /** Logged difficulty scores with the cost of their requests, for the what-if of a threshold. */
    List<double[]> scoresAndCosts(Instant from, String policy) {
        return jdbc.query(
                """
                SELECT score, cost_usd FROM requests
                WHERE created_at >= ? AND policy = ? AND score IS NOT NULL
                ORDER BY created_at DESC LIMIT 100000
                """, (rs, i) -> new double[] {rs.getDouble(1), rs.getDouble(2)}, Timestamp.from(from), policy);
    }

    List<Map<String, Object>> trainingRuns() {
        return jdbc.queryForList("""
                SELECT id, started_at, finished_at, status, label_count, progress, model_version, detail::text AS detail
                FROM training_runs ORDER BY started_at DESC LIMIT 50
                """);
    }

    List<Map<String, Object>> policyAudit() {
        return jdbc.queryForList("""
                SELECT policy, changed_by, before::text AS before, after::text AS after, changed_at
                FROM policy_audit ORDER BY changed_at DESC LIMIT 50
                """);
    }
}
