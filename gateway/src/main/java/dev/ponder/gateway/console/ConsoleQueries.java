package dev.ponder.gateway.console;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Tier;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The console's reads of the outcome log. Every query is bounded by a time range, so that it touches only the daily
 * partitions it needs however large the log grows; the overview reads hourly rollups for the whole hours of its
 * range (V21__console_rollups.sql), so that a month costs about as much as an hour.
 */
@Component
class ConsoleQueries {

    static final int PAGE_SIZE = 50;

    private static final Duration HOUR = Duration.ofHours(1);
    // An hour is rolled up once the outcome writer has flushed its rows (it batches for well under a minute).
    private static final Duration ROLLUP_DELAY = Duration.ofMinutes(5);
    private static final double LATENCY_BUCKET_RATIO = 1.1;
    // console_hourly's shape over a Window: its rolled-up hours, then the logged rows at both ends.
    private static final String USAGE = """
            (SELECT * FROM console_hourly WHERE hour >= ? AND hour < ?
             UNION ALL SELECT * FROM ponder_console_usage(?, ?)
             UNION ALL SELECT * FROM ponder_console_usage(?, ?)) usage
            """;
    private static final String LATENCY = """
            (SELECT * FROM console_latency_hourly WHERE hour >= ? AND hour < ?
             UNION ALL SELECT * FROM ponder_console_latency(?, ?)
             UNION ALL SELECT * FROM ponder_console_latency(?, ?)) latency
            """;

    private static final String LISTED = """
            request_id, created_at, policy, requested_model, status, http_status, answered_by, answered_model,
            score, attempts, escalations, total_ms, cost_usd, stream""";
    // The request id breaks ties of created_at, so that a page cursor names one row.
    private static final String NEWEST_PAGE = " ORDER BY created_at DESC, request_id DESC LIMIT " + PAGE_SIZE;
    // Rows a text search reads in time order before it turns to the trigram index: ~50 ms of ILIKE here.
    private static final int TEXT_SCAN = 5000;

    private final JdbcTemplate jdbc;
    private final Clock clock;

    ConsoleQueries(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    Map<String, Object> totals(Instant from) {
        Window window = window(from);
        Map<String, Object> totals = new LinkedHashMap<>(jdbc.queryForMap("""
                SELECT coalesce(sum(requests), 0)::bigint AS requests,
                       coalesce(sum(requests) FILTER (WHERE status = 'failed'), 0)::bigint AS failed,
                       coalesce(sum(requests) FILTER (WHERE status = 'refused'), 0)::bigint AS refused,
                       coalesce(sum(escalated), 0)::bigint AS escalated,
                       coalesce(sum(cost_usd), 0) AS cost_usd
                FROM """ + USAGE, window.args()));
        List<long[]> histogram = jdbc.query(
                "SELECT bucket, sum(requests)::bigint FROM " + LATENCY + " GROUP BY bucket ORDER BY bucket",
                (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)},
                window.args());
        totals.put("p50_ms", percentile(histogram, 0.5));
        totals.put("p95_ms", percentile(histogram, 0.95));
        totals.put("p99_ms", percentile(histogram, 0.99));
        return totals;
    }

    /** The middle of the histogram bucket holding the q-quantile: within 5% of the exact value, 0 when empty. */
    static double percentile(List<long[]> histogram, double q) {
        long total = histogram.stream().mapToLong(b -> b[1]).sum();
        long seen = 0;
        for (long[] bucket : histogram) {
            seen += bucket[1];
            if (seen >= q * total) {
                return Math.pow(LATENCY_BUCKET_RATIO, bucket[0] + 0.5);
            }
        }
        return 0;
    }

    /**
     * What the same traffic would have cost had every request gone straight to its policy's top tier: one attempt's
     * tokens at the top tier's price, or, where that price is 0 (replay, local), the mean cost of the requests the
     * top tier answered in the range. A request that no policy routed (sent straight to a backend, logged under its
     * name, or under a policy no longer configured), and a request that failed (no tier answered it, or its client
     * went away), cost there what they cost, so that they move no savings.
     */
    double topTierCost(Instant from, Map<String, CascadePolicy> policies) {
        Map<String, Double> meanCost = meanCostByBackend(from);
        double total = 0;
        for (Map<String, Object> row : tokensByPolicy(from)) {
            CascadePolicy policy = policies.get((String) row.get("policy"));
            if (policy == null) {
                total += ((Number) row.get("cost_usd")).doubleValue();
                continue;
            }
            total += ((Number) row.get("failed_cost_usd")).doubleValue();
            Tier top = policy.tiers().getLast();
            Price price = top.backend().info().price();
            long requests = ((Number) row.get("requests")).longValue();
            double priced = price.cost(
                    ((Number) row.get("input_tokens")).doubleValue(),
                    ((Number) row.get("output_tokens")).doubleValue());
            total += priced > 0 ? priced : requests * meanCost.getOrDefault(top.name(), 0.0);
        }
        return total;
    }

    /**
     * Per policy: the requests that did not fail and the tokens of one attempt each, the cost of all and the cost of
     * the failed ones, to price the "always the top tier" counterfactual.
     */
    List<Map<String, Object>> tokensByPolicy(Instant from) {
        return jdbc.queryForList("""
                SELECT policy, coalesce(sum(requests) FILTER (WHERE status <> 'failed'), 0)::bigint AS requests,
                       coalesce(sum(input_tokens) FILTER (WHERE status <> 'failed'), 0) AS input_tokens,
                       coalesce(sum(output_tokens) FILTER (WHERE status <> 'failed'), 0) AS output_tokens,
                       coalesce(sum(cost_usd), 0) AS cost_usd,
                       coalesce(sum(cost_usd) FILTER (WHERE status = 'failed'), 0) AS failed_cost_usd
                FROM """ + USAGE + " GROUP BY policy", window(from).args());
    }

    /** Mean cost of the requests each backend answered: prices the counterfactual where the price table says 0. */
    Map<String, Double> meanCostByBackend(Instant from) {
        Map<String, Double> costs = new LinkedHashMap<>();
        jdbc.query(
                "SELECT backend, sum(cost_usd) / sum(requests) FROM " + USAGE
                        + " WHERE status = 'answered' GROUP BY backend",
                rs -> {
                    costs.put(rs.getString(1), rs.getDouble(2));
                },
                window(from).args());
        return costs;
    }

    /**
     * Requests and cost per bucket and answering backend. Buckets of an hour or more are whole hours, so that they
     * sum the hourly rollups; shorter ones (ranges up to a day) read the logged rows.
     */
    List<Map<String, Object>> series(Instant from, Duration bucket) {
        if (bucket.compareTo(HOUR) < 0) {
            return jdbc.queryForList(
                    """
                    SELECT date_bin(make_interval(secs => ?), created_at, ?) AS bucket,
                           coalesce(answered_by, '(failed)') AS backend,
                           count(*) AS requests, sum(cost_usd) AS cost_usd
                    FROM requests WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2 ORDER BY 1
                    """,
                    bucket.toSeconds(),
                    Timestamp.from(from),
                    Timestamp.from(from),
                    Timestamp.from(clock.instant()));
        }
        Window window = window(from);
        List<Object> args = new ArrayList<>(List.of(
                (bucket.toSeconds() + HOUR.toSeconds() - 1) / HOUR.toSeconds(),
                Timestamp.from(from.truncatedTo(ChronoUnit.HOURS))));
        args.addAll(List.of(window.args()));
        return jdbc.queryForList("""
                SELECT date_bin(make_interval(hours => ?::integer), hour, ?) AS bucket,
                       CASE WHEN backend = '' THEN '(failed)' ELSE backend END AS backend,
                       sum(requests)::bigint AS requests, sum(cost_usd) AS cost_usd
                FROM """ + USAGE + " GROUP BY 1, 2 ORDER BY 1", args.toArray());
    }

    /**
     * Splits [from, now) into the whole hours the rollups hold, [lo, hi), and the logged rows at its ends, [from, lo)
     * and [hi, now); first rolls up the hours that ended since the last call.
     */
    private Window window(Instant from) {
        Instant now = clock.instant();
        Instant rolled = jdbc.queryForObject(
                        "SELECT ponder_rollup_console(?)", Timestamp.class, Timestamp.from(now.minus(ROLLUP_DELAY)))
                .toInstant();
        Instant hourStart = from.truncatedTo(ChronoUnit.HOURS);
        Instant lo = min(hourStart.equals(from) ? from : hourStart.plus(HOUR), now);
        Instant hi = rolled.isAfter(lo) ? min(rolled, now) : lo;
        return new Window(from, lo, hi, now);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** A range's rolled-up whole hours [lo, hi) and its logged rows [from, lo) and [hi, to). */
    private record Window(Instant from, Instant lo, Instant hi, Instant to) {

        /** The parameters of {@link #USAGE} and {@link #LATENCY}. */
        Object[] args() {
            return new Object[] {
                Timestamp.from(lo), Timestamp.from(hi),
                Timestamp.from(from), Timestamp.from(lo),
                Timestamp.from(hi), Timestamp.from(to)
            };
        }
    }

    /**
     * A page of the requests matching the filter, newest first. A text that is a request id finds that request;
     * other text is searched in the prompts: first among the newest
     * {@value #TEXT_SCAN} rows of the range, which is enough for a common text; a rarer one then collects all its
     * matches through the trigram index and sorts them. The planner cannot tell the two apart from the text, and
     * the wrong choice costs seconds on a month of prompts.
     */
    List<Map<String, Object>> requests(RequestFilter filter) {
        String time;
        List<Object> timeArgs;
        if (filter.before() == null) {
            time = "created_at >= ?";
            timeArgs = List.of(Timestamp.from(filter.from()));
        } else if (filter.beforeId() == null) {
            time = "created_at >= ? AND created_at < ?";
            timeArgs = List.of(Timestamp.from(filter.from()), Timestamp.from(filter.before()));
        } else {
            // The range's index bounds it by created_at alone; the id only decides among rows of the cursor's instant.
            time = "created_at >= ? AND created_at <= ? AND (created_at < ? OR request_id < ?)";
            Timestamp before = Timestamp.from(filter.before());
            timeArgs = List.of(Timestamp.from(filter.from()), before, before, filter.beforeId());
        }
        StringBuilder where = new StringBuilder(time);
        List<Object> args = new ArrayList<>(timeArgs);
        filter.policy().ifPresent(v -> and(where, args, "policy = ?", v));
        filter.backend().ifPresent(v -> and(where, args, "answered_by = ?", v));
        filter.status().ifPresent(v -> and(where, args, "status = ?", v));
        if (filter.text().isEmpty()) {
            return jdbc.queryForList(
                    "SELECT " + LISTED + " FROM requests WHERE " + where + NEWEST_PAGE, args.toArray());
        }
        String text = filter.text().get();
        // A request id is looked up by its index alone: its digits would make the trigram search read most prompts.
        List<Object> idArgs = new ArrayList<>(args);
        idArgs.add(text);
        List<Map<String, Object>> byId = jdbc.queryForList(
                "SELECT " + LISTED + " FROM requests WHERE " + where + " AND request_id = ?" + NEWEST_PAGE,
                idArgs.toArray());
        if (!byId.isEmpty()) {
            return byId;
        }
        where.append(" AND prompt ILIKE ?");
        args.add("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        List<Object> newestArgs = new ArrayList<>(timeArgs);
        newestArgs.addAll(args);
        List<Map<String, Object>> newest = jdbc.queryForList(
                "SELECT " + LISTED + " FROM (SELECT * FROM requests WHERE " + time + " ORDER BY created_at DESC LIMIT "
                        + TEXT_SCAN + ") newest WHERE " + where + NEWEST_PAGE,
                newestArgs.toArray());
        if (newest.size() == PAGE_SIZE) {
            return newest;
        }
        return jdbc.queryForList(
                "WITH matches AS MATERIALIZED (SELECT " + LISTED + " FROM requests WHERE " + where
                        + ") SELECT * FROM matches" + NEWEST_PAGE,
                args.toArray());
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
                       output_tokens, cost_usd, signals::text AS signals, error, decided_by
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

    /**
     * The what-if of a threshold over a policy's newest 100,000 scored requests in range: how many there are, how many
     * the threshold sends to the strong tier, and the summed predicted quality (1 there, 1 - score at the weak tier).
     * Summed in the database, so that no row leaves it.
     */
    Map<String, Object> whatIf(Instant from, String policy, double threshold) {
        return jdbc.queryForMap("""
                SELECT count(*) AS requests, count(*) FILTER (WHERE score > ?) AS strong,
                       coalesce(sum(CASE WHEN score > ? THEN 1 ELSE 1 - score END), 0) AS quality
                FROM (SELECT score FROM requests WHERE created_at >= ? AND policy = ? AND score IS NOT NULL
                      ORDER BY created_at DESC LIMIT 100000) logged
                """, threshold, threshold, Timestamp.from(from), policy);
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
