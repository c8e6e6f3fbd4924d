package dev.ponder.gateway.security;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The background half of enforcement, run every sync interval. In one transaction, serialised across replicas by an
 * advisory lock: add this replica's settled usage to {@code key_usage}, read all replicas' totals, and take this
 * replica's share of what each limited key has left ({@code key_shares}), with what it asks for beyond a fair share
 * to admit a request it refused. Then reload the keys. A failed sync changes nothing and is retried; meanwhile
 * enforcement goes on from memory within the shares already held, so an unreachable database can only make a replica
 * stricter.
 */
final class UsageSync implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UsageSync.class);

    /** The advisory lock that serialises the replicas' syncs ("ponder" in ASCII). */
    private static final long LOCK = 0x706f6e646572L;

    private static final Duration LAST_SYNC_WAIT = Duration.ofSeconds(5);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final UsageMeter meter;
    private final KeyStore keys;
    private final KeyCache cache;
    private final Clock clock;
    private final Duration interval;
    private final String replicaId;
    private boolean failing;
    private ScheduledExecutorService schedule;

    UsageSync(
            JdbcTemplate jdbc,
            TransactionTemplate transaction,
            UsageMeter meter,
            KeyStore keys,
            KeyCache cache,
            Clock clock,
            Duration interval,
            String replicaId) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.meter = meter;
        this.keys = keys;
        this.cache = cache;
        this.clock = clock;
        this.interval = interval;
        this.replicaId = replicaId;
    }

    /** Syncs once now, so that the keys are loaded before the first request, then every interval. */
    void start() {
        run();
        schedule = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("ponder-usage-sync").daemon().factory());
        schedule.scheduleWithFixedDelay(this::run, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops, and writes what was used since the last sync so that the other replicas count it. The last write waits
     * at most {@link #LAST_SYNC_WAIT}: with PostgreSQL unreachable it would otherwise hold shutdown for the pool's
     * whole connection timeout, and what it would have written is at most one interval's usage.
     */
    @Override
    public void close() {
        if (schedule != null) {
            schedule.shutdownNow();
        }
        Thread last =
                Thread.ofPlatform().name("ponder-usage-sync-last").daemon().start(this::writeLastUsage);
        try {
            if (!last.join(LAST_SYNC_WAIT)) {
                log.warn("Usage since the last sync not written: PostgreSQL did not answer within {}", LAST_SYNC_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last sync before stopping: only the usage matters now, not the keys a reload would bring. */
    private synchronized void writeLastUsage() {
        try {
            syncUsage();
        } catch (RuntimeException e) {
            log.warn("Usage since the last sync not written: {}", e.toString());
        }
    }

    synchronized void run() {
        try {
            long mark = cache.changes();
            cache.replaceAll(keys.all(), mark);
            syncUsage();
            if (failing) {
                log.info("Usage sync with PostgreSQL works again");
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("Usage sync with PostgreSQL failed, enforcing from memory until it works: {}", e.toString());
                failing = true;
            }
        }
    }

    private record Synced(Map<UsageMeter.Delta, Usage> totals, Map<UsageMeter.Delta, Usage> shares, int replicas) {}

    /**
     * One replica's row of {@code key_shares}: its share, and the share it asks for since {@code since} (null when
     * it asks for none).
     */
    private record Held(String replicaId, Usage share, Usage asked, Instant since) {

        /** The oldest ask is served first; replica ids break ties, so that every replica picks the same one. */
        static final Comparator<Held> FIRST_ASKED =
                Comparator.comparing(Held::since).thenComparing(Held::replicaId);

        Held withShare(Usage share) {
            return new Held(replicaId, share, asked, since);
        }
    }

    private void syncUsage() {
        Instant now = clock.instant();
        List<String> periods = new ArrayList<>(UsageMeter.periods(now));
        periods.addAll(UsageMeter.nextPeriods(now));
        Map<UsageMeter.Delta, Usage> taken = meter.take();
        Synced synced;
        try {
            synced = transaction.execute(status -> {
                jdbc.queryForList("SELECT pg_advisory_xact_lock(?)", LOCK);
                int replicas = heartbeat(now);
                writeUsage(taken);
                Map<UsageMeter.Delta, Usage> totals = totals(periods);
                Map<UsageMeter.Delta, List<Held>> others = others(periods);
                Map<UsageMeter.Delta, Held> shares =
                        shares(periods, totals, others, meter.unsynced(taken), meter.demands(), replicas);
                writeShares(shares);
                Map<UsageMeter.Delta, Usage> mine = new HashMap<>();
                shares.forEach((delta, held) -> mine.put(delta, held.share()));
                return new Synced(totals, mine, replicas);
            });
        } catch (RuntimeException e) {
            meter.restore(taken);
            throw e;
        }
        meter.written(taken);
        meter.apply(synced.totals(), synced.shares(), synced.replicas());
    }

    /**
     * This replica's row of every key with a limit and of the gateway's own budgets, for the current periods and the
     * next ones: its share, and what it asks for when a request of that key was refused for lack of share.
     */
    private Map<UsageMeter.Delta, Held> shares(
            List<String> periods,
            Map<UsageMeter.Delta, Usage> totals,
            Map<UsageMeter.Delta, List<Held>> others,
            Map<UsageMeter.Delta, Usage> mine,
            Map<String, UsageMeter.Demand> demands,
            int replicas) {
        Map<String, Limits> limited = new HashMap<>(meter.budgets());
        cache.all().forEach(key -> limited.put(key.id(), key.limits()));
        Map<UsageMeter.Delta, Held> shares = new HashMap<>();
        for (Map.Entry<String, Limits> limit : limited.entrySet()) {
            if (limit.getValue().equals(Limits.NONE)) {
                continue;
            }
            UsageMeter.Demand demand = demands.get(limit.getKey());
            for (String period : periods) {
                UsageMeter.Delta delta = new UsageMeter.Delta(limit.getKey(), period);
                Usage inUse = mine.getOrDefault(delta, Usage.NONE);
                Held asking = demand == null
                        ? null
                        : new Held(replicaId, Usage.NONE, inUse.plus(demand.size()), demand.since());
                Usage share = share(
                        limit.getValue(),
                        period,
                        totals.getOrDefault(delta, Usage.NONE),
                        others.getOrDefault(delta, List.of()),
                        inUse,
                        asking,
                        replicas);
                shares.put(
                        delta,
                        (asking == null ? new Held(replicaId, Usage.NONE, Usage.NONE, null) : asking).withShare(share));
            }
        }
        return shares;
    }

    /**
     * One period's share of one key. Of all the replicas' asks that could be met, only the oldest is served, so that
     * two large asks never each wait for the other to give way: the replica that made it may take up to what it
     * asked for, and the others count it as held, so that each gives back the idle part of its share it needs.
     */
    private static Usage share(
            Limits limits, String period, Usage global, List<Held> others, Usage inUse, Held asking, int replicas) {
        Usage held = others.stream().map(Held::share).reduce(Usage.NONE, Usage::plus);
        Optional<Held> served = Stream.concat(others.stream().filter(h -> h.since() != null), Stream.ofNullable(asking))
                .filter(h -> UsageMeter.fits(limits, period, global, h.asked()))
                .min(Held.FIRST_ASKED);
        Usage asked = Usage.NONE;
        if (served.isPresent() && served.get() == asking) {
            asked = asking.asked();
        } else if (served.isPresent()) {
            held = held.plus(served.get().asked().minus(served.get().share()));
        }
        return UsageMeter.share(limits, period, global, held, inUse, asked, replicas);
    }

    /** The other replicas' rows, by key and period. */
    private Map<UsageMeter.Delta, List<Held>> others(List<String> periods) {
        Map<UsageMeter.Delta, List<Held>> rows = new HashMap<>();
        jdbc.query(
                """
                SELECT key_id, period, replica_id, requests, tokens, cost_usd,
                    demand_requests, demand_tokens, demand_cost_usd, demand_since
                FROM key_shares WHERE period = ANY (?) AND replica_id <> ?
                """,
                ps -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("text", periods.toArray()));
                    ps.setString(2, replicaId);
                },
                rs -> {
                    Timestamp since = rs.getTimestamp(10);
                    rows.computeIfAbsent(new UsageMeter.Delta(rs.getString(1), rs.getString(2)), d -> new ArrayList<>())
                            .add(new Held(
                                    rs.getString(3),
                                    new Usage(rs.getLong(4), rs.getLong(5), rs.getDouble(6)),
                                    new Usage(rs.getLong(7), rs.getLong(8), rs.getDouble(9)),
                                    since == null ? null : since.toInstant()));
                });
        return rows;
    }

    /** Counts the live replicas, and forgets those gone silent, with their shares and old periods' rows. */
    private int heartbeat(Instant now) {
        jdbc.update("""
                INSERT INTO gateway_replicas (replica_id, last_seen) VALUES (?, ?)
                ON CONFLICT (replica_id) DO UPDATE SET last_seen = EXCLUDED.last_seen
                """, replicaId, Timestamp.from(now));
        Timestamp silentSince = Timestamp.from(now.minus(interval.multipliedBy(3)));
        jdbc.update("DELETE FROM gateway_replicas WHERE last_seen <= ?", silentSince);
        jdbc.update("""
                DELETE FROM key_shares s WHERE NOT EXISTS
                    (SELECT 1 FROM gateway_replicas r WHERE r.replica_id = s.replica_id)
                """);
        String oldMinutes =
                UsageMeter.periods(now.minus(Duration.ofMinutes(10))).getFirst();
        jdbc.update("DELETE FROM key_usage WHERE period LIKE 'm%' AND period < ?", oldMinutes);
        jdbc.update("DELETE FROM key_shares WHERE period LIKE 'm%' AND period < ?", oldMinutes);
        Integer live = jdbc.queryForObject("SELECT count(*) FROM gateway_replicas", Integer.class);
        return live == null ? 1 : live;
    }

    private void writeUsage(Map<UsageMeter.Delta, Usage> taken) {
        if (taken.isEmpty()) {
            return;
        }
        upsert("""
                INSERT INTO key_usage (key_id, period, requests, tokens, cost_usd)
                SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::float8[])
                ON CONFLICT (period, key_id) DO UPDATE SET requests = key_usage.requests + EXCLUDED.requests,
                    tokens = key_usage.tokens + EXCLUDED.tokens, cost_usd = key_usage.cost_usd + EXCLUDED.cost_usd
                """, taken, List.of(usage -> usage), null);
    }

    private void writeShares(Map<UsageMeter.Delta, Held> shares) {
        jdbc.update("DELETE FROM key_shares WHERE replica_id = ?", replicaId);
        if (!shares.isEmpty()) {
            upsert(
                    """
                    INSERT INTO key_shares (key_id, period, requests, tokens, cost_usd,
                        demand_requests, demand_tokens, demand_cost_usd, demand_since, replica_id)
                    SELECT *, ? FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::float8[],
                        ?::bigint[], ?::bigint[], ?::float8[], ?::timestamptz[])
                    """,
                    shares,
                    List.of(Held::share, Held::asked),
                    held -> held.since() == null ? null : Timestamp.from(held.since()));
        }
    }

    /**
     * One statement over arrays, so that a whole batch is written at once: the replica id when {@code since} is
     * given, then key ids, periods, each of {@code usages}' three measures, and {@code since}.
     */
    private <T> void upsert(
            String sql, Map<UsageMeter.Delta, T> rows, List<Function<T, Usage>> usages, Function<T, Timestamp> since) {
        int n = rows.size();
        String[] keyIds = new String[n];
        String[] periods = new String[n];
        Long[][] requests = new Long[usages.size()][n];
        Long[][] tokens = new Long[usages.size()][n];
        Double[][] costs = new Double[usages.size()][n];
        Timestamp[] sinces = new Timestamp[n];
        int i = 0;
        for (Map.Entry<UsageMeter.Delta, T> e : rows.entrySet()) {
            keyIds[i] = e.getKey().keyId();
            periods[i] = e.getKey().period();
            for (int u = 0; u < usages.size(); u++) {
                Usage usage = usages.get(u).apply(e.getValue());
                requests[u][i] = usage.requests();
                tokens[u][i] = usage.tokens();
                costs[u][i] = usage.costUsd();
            }
            if (since != null) {
                sinces[i] = since.apply(e.getValue());
            }
            i++;
        }
        jdbc.update(sql, ps -> {
            var c = ps.getConnection();
            int p = 1;
            if (since != null) {
                ps.setString(p++, replicaId);
            }
            ps.setArray(p++, c.createArrayOf("text", keyIds));
            ps.setArray(p++, c.createArrayOf("text", periods));
            for (int u = 0; u < usages.size(); u++) {
                ps.setArray(p++, c.createArrayOf("bigint", requests[u]));
                ps.setArray(p++, c.createArrayOf("bigint", tokens[u]));
                ps.setArray(p++, c.createArrayOf("float8", costs[u]));
            }
            if (since != null) {
                ps.setArray(p, c.createArrayOf("timestamptz", sinces));
            }
        });
    }

    private Map<UsageMeter.Delta, Usage> totals(List<String> periods) {
        Map<UsageMeter.Delta, Usage> rows = new HashMap<>();
        jdbc.query(
                "SELECT key_id, period, requests, tokens, cost_usd FROM key_usage WHERE period = ANY (?)",
                ps -> ps.setArray(1, ps.getConnection().createArrayOf("text", periods.toArray())),
                rs -> {
                    rows.put(
                            new UsageMeter.Delta(rs.getString(1), rs.getString(2)),
                            new Usage(rs.getLong(3), rs.getLong(4), rs.getDouble(5)));
                });
        return rows;
    }
}
