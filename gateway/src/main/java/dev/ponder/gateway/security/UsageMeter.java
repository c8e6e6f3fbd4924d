package dev.ponder.gateway.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Counts each key's usage in its current minute (rate limits), day and month (budgets) and admits a request only
 * when its estimate fits what is left: no database read on the request path.
 *
 * <p>A request reserves its estimate when admitted and settles with its real usage when it ends, so that
 * concurrent requests cannot together spend more than the limit unless their estimates were too low. With several
 * replicas, each sync adds this replica's {@link #take settled usage} to PostgreSQL and {@link #apply applies} the
 * totals of all replicas and this replica's share: a slice of what the limit has left that no other replica holds
 * (see {@link #share}). Between syncs a replica admits only within its share, so that together they stay within the
 * limit.
 */
final class UsageMeter {

    private final Clock clock;
    private final Duration syncInterval;
    private final Map<String, KeyMeter> meters = new ConcurrentHashMap<>();
    private final Map<Delta, Usage> pending = new HashMap<>();
    private final Map<String, Limits> budgets = new ConcurrentHashMap<>();
    private volatile int replicas = 1;
    private volatile Map<Delta, Usage> shares = Map.of();

    UsageMeter(Clock clock, Duration syncInterval) {
        this.clock = clock;
        this.syncInterval = syncInterval;
    }

    /** Meters {@code id} like a key with these limits, shared across replicas: see {@link SharedBudgets}. */
    void budget(String id, Limits limits) {
        budgets.put(id, limits);
    }

    /** The limits of the gateway's own budgets, by id, for the sync to hand out their shares. */
    Map<String, Limits> budgets() {
        return Map.copyOf(budgets);
    }

    /** A key's usage to add to one period's row. */
    record Delta(String keyId, String period) {}

    /** The periods a usage at this instant counts in: its minute, day and month, UTC. */
    static List<String> periods(Instant at) {
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        return List.of("m" + at.getEpochSecond() / 60, "d" + day, "M" + YearMonth.from(day));
    }

    /** The periods that follow those of {@code at}, whose shares are handed out ahead so that a new minute starts. */
    static List<String> nextPeriods(Instant at) {
        LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
        return List.of(
                "m" + (at.getEpochSecond() / 60 + 1),
                "d" + day.plusDays(1),
                "M" + YearMonth.from(day).plusMonths(1));
    }

    /**
     * This replica's share of one key's limits in one period: what it has in flight or has not yet written
     * ({@code mine}), plus what it may take of the rest, up to a fair 1/N of what the limit has left beyond the total
     * written ({@code global}), but never more than the other replicas' shares ({@code others}) leave free. Computed
     * under a lock that serialises the replicas' syncs, so that the shares and the total never add up to more than
     * the limit. Unlimited measures get 0 (they are never checked).
     */
    static Usage share(Limits limits, String period, Usage global, Usage others, Usage mine, int replicas) {
        boolean minute = period.startsWith("m");
        Integer requests = minute ? limits.rpm() : null;
        Integer tokens = minute ? limits.tpm() : null;
        Double cost = period.startsWith("d") ? limits.dailyUsd() : period.startsWith("M") ? limits.monthlyUsd() : null;
        int n = Math.max(1, replicas);
        return new Usage(
                requests == null
                        ? 0
                        : (long) share(requests, global.requests(), others.requests(), mine.requests(), n, true),
                tokens == null ? 0 : (long) share(tokens, global.tokens(), others.tokens(), mine.tokens(), n, true),
                cost == null ? 0 : share(cost, global.costUsd(), others.costUsd(), mine.costUsd(), n, false));
    }

    /** Whole requests and tokens round the fair part up, so that the last one can be used: what is free caps it. */
    private static double share(double limit, double global, double others, double mine, int n, boolean whole) {
        double free = limit - global - others - mine;
        double fair = (limit - global) / n;
        if (whole) {
            fair = Math.ceil(fair);
        }
        return mine + Math.max(0, Math.min(free, fair - mine));
    }

    Admission admit(String keyId, Limits limits, Usage estimate) {
        Instant now = clock.instant();
        KeyMeter meter = meters.computeIfAbsent(keyId, k -> new KeyMeter());
        synchronized (meter) {
            meter.roll(periods(now));
            Admission.Reason refused = meter.refusal(keyId, limits, estimate, shares, replicas);
            if (refused != null) {
                Duration retry =
                        switch (refused) {
                            case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE ->
                                Duration.ofSeconds(60 - now.getEpochSecond() % 60);
                            case REPLICA_SHARE -> syncInterval;
                            case BUDGET_SPENT -> null;
                        };
                return new Admission.Rejected(refused, retry);
            }
            meter.reserved = meter.reserved.plus(estimate);
            return new Admission.Admitted(new Reservation(keyId, estimate));
        }
    }

    /** Ends a reservation: its estimate is released and its real usage counted. Settling twice does nothing. */
    void settle(Reservation reservation) {
        if (!reservation.markSettled()) {
            return;
        }
        Usage actual = reservation.actual();
        List<String> periods = periods(clock.instant());
        KeyMeter meter = meters.computeIfAbsent(reservation.keyId(), k -> new KeyMeter());
        synchronized (meter) {
            meter.roll(periods);
            meter.reserved = meter.reserved.minus(reservation.estimate());
            for (Window window : meter.windows) {
                window.local = window.local.plus(actual);
            }
        }
        synchronized (pending) {
            for (String period : periods) {
                pending.merge(new Delta(reservation.keyId(), period), actual, Usage::plus);
            }
        }
    }

    /** Takes the usage settled since the last call, to add to PostgreSQL; {@link #restore} it if that fails. */
    Map<Delta, Usage> take() {
        synchronized (pending) {
            Map<Delta, Usage> taken = Map.copyOf(pending);
            pending.clear();
            return taken;
        }
    }

    void restore(Map<Delta, Usage> taken) {
        synchronized (pending) {
            taken.forEach((delta, usage) -> pending.merge(delta, usage, Usage::plus));
        }
    }

    /** Marks taken usage as written: it stays counted until the totals that include it are applied. */
    void written(Map<Delta, Usage> taken) {
        taken.forEach((delta, usage) -> {
            KeyMeter meter = meters.get(delta.keyId());
            if (meter != null) {
                synchronized (meter) {
                    meter.window(delta.period()).ifPresent(w -> {
                        w.local = w.local.minus(usage);
                        w.written = w.written.plus(usage);
                    });
                }
            }
        });
    }

    /**
     * What each key has in flight or settled but not in {@code taken}, per current period: the part of this
     * replica's usage that the totals do not include yet.
     */
    Map<Delta, Usage> unsynced(Map<Delta, Usage> taken) {
        Map<Delta, Usage> unsynced = new HashMap<>();
        meters.forEach((keyId, meter) -> {
            synchronized (meter) {
                for (Window window : meter.windows) {
                    Delta delta = new Delta(keyId, window.period);
                    unsynced.put(
                            delta,
                            window.local
                                    .minus(taken.getOrDefault(delta, Usage.NONE))
                                    .plus(meter.reserved));
                }
            }
        });
        return unsynced;
    }

    /**
     * Applies what a sync read back: the totals of all replicas for the current periods, this replica's shares, and
     * the number of live replicas.
     */
    void apply(Map<Delta, Usage> totals, Map<Delta, Usage> newShares, int liveReplicas) {
        replicas = Math.max(1, liveReplicas);
        shares = Map.copyOf(newShares);
        List<String> current = periods(clock.instant());
        totals.keySet().forEach(delta -> meters.computeIfAbsent(delta.keyId(), k -> new KeyMeter()));
        meters.forEach((keyId, meter) -> {
            synchronized (meter) {
                meter.roll(current);
                for (Window window : meter.windows) {
                    window.global = totals.getOrDefault(new Delta(keyId, window.period), Usage.NONE);
                    window.written = Usage.NONE;
                }
            }
        });
    }

    /** What this key has used in the current periods, as far as this replica knows, reservations included. */
    Map<String, Usage> usage(String keyId) {
        KeyMeter meter = meters.get(keyId);
        Map<String, Usage> usage = new HashMap<>();
        if (meter != null) {
            synchronized (meter) {
                meter.roll(periods(clock.instant()));
                for (Window window : meter.windows) {
                    usage.put(window.period, window.known().plus(meter.reserved));
                }
            }
        }
        return usage;
    }

    /** One key's counters: minute, day, month, and what its requests in flight have reserved. */
    private static final class KeyMeter {
        private final Window[] windows = {new Window(), new Window(), new Window()};
        private Usage reserved = Usage.NONE;

        void roll(List<String> periods) {
            for (int i = 0; i < windows.length; i++) {
                if (!periods.get(i).equals(windows[i].period)) {
                    windows[i] = new Window();
                    windows[i].period = periods.get(i);
                }
            }
        }

        java.util.Optional<Window> window(String period) {
            for (Window window : windows) {
                if (period.equals(window.period)) {
                    return java.util.Optional.of(window);
                }
            }
            return java.util.Optional.empty();
        }

        Admission.Reason refusal(String keyId, Limits limits, Usage estimate, Map<Delta, Usage> shares, int replicas) {
            Window minute = windows[0];
            Usage minuteShare = shares.get(new Delta(keyId, minute.period));
            Admission.Reason reason = check(
                    limits.rpm(),
                    minute,
                    Usage::requests,
                    estimate.requests(),
                    minuteShare,
                    replicas,
                    Admission.Reason.REQUESTS_PER_MINUTE);
            if (reason == null) {
                reason = check(
                        limits.tpm(),
                        minute,
                        Usage::tokens,
                        estimate.tokens(),
                        minuteShare,
                        replicas,
                        Admission.Reason.TOKENS_PER_MINUTE);
            }
            // A request that cannot cost anything is never stopped by a budget: free local tiers stay usable.
            for (int i = 1; i < windows.length && reason == null && estimate.costUsd() > 0; i++) {
                reason = check(
                        i == 1 ? limits.dailyUsd() : limits.monthlyUsd(),
                        windows[i],
                        Usage::costUsd,
                        estimate.costUsd(),
                        shares.get(new Delta(keyId, windows[i].period)),
                        replicas,
                        Admission.Reason.BUDGET_SPENT);
            }
            return reason;
        }

        /**
         * Refuses what would pass the limit, and else what would pass this replica's share of it. Without a share
         * (no sync yet for this period), a replica among N takes 1/N of what was left at the last sync.
         */
        private Admission.Reason check(
                Number limit,
                Window window,
                ToDoubleFunction<Usage> measure,
                double wanted,
                Usage share,
                int replicas,
                Admission.Reason exceeded) {
            if (limit == null) {
                return null;
            }
            double global = measure.applyAsDouble(window.global);
            double mine =
                    measure.applyAsDouble(window.written.plus(window.local).plus(reserved));
            double max = limit.doubleValue();
            if (global + mine + wanted > max) {
                return exceeded;
            }
            double allowed = share != null ? measure.applyAsDouble(share) : (max - global) / replicas;
            return mine + wanted > allowed ? Admission.Reason.REPLICA_SHARE : null;
        }
    }

    /**
     * One period's counters: the total of all replicas at the last sync ({@code global}), this replica's usage
     * written since ({@code written}) and not yet written ({@code local}).
     */
    private static final class Window {
        private String period = "";
        private Usage global = Usage.NONE;
        private Usage written = Usage.NONE;
        private Usage local = Usage.NONE;

        Usage known() {
            return global.plus(written).plus(local);
        }
    }
}
