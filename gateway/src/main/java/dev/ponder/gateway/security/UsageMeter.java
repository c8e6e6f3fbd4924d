package dev.ponder.gateway.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
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
 * limit. A request refused for lack of share is remembered as this replica's {@link Demand}, so that the next syncs
 * can make room for it.
 */
final class UsageMeter {

    /** Sync intervals after its last refusal that a demand is kept: a client back after its Retry-After renews it. */
    private static final int DEMAND_LAPSE = 5;

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

    /**
     * The largest request refused on one key for lack of share ({@code size}, each measure's largest), first refused
     * at {@code since} and last at {@code last}. {@code since} orders the replicas' asks, so it is kept to the
     * microsecond, as PostgreSQL keeps it: every replica then reads the same order.
     */
    record Demand(Usage size, Instant since, Instant last) {

        Demand {
            if (since.getNano() % 1000 != 0) {
                throw new IllegalArgumentException("demand since must be whole microseconds but was " + since);
            }
        }

        /** This demand, or a first one, grown to cover {@code refused}. */
        static Demand grow(Demand demand, Usage refused, Instant now) {
            return demand == null
                    ? new Demand(refused, now.truncatedTo(ChronoUnit.MICROS), now)
                    : new Demand(demand.size.max(refused), demand.since, now);
        }
    }

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

    /** The limits that count in one period: requests and tokens in a minute, the daily or monthly budget. */
    private record PeriodLimits(Integer requests, Integer tokens, Double cost) {

        static PeriodLimits of(Limits limits, String period) {
            boolean minute = period.startsWith("m");
            return new PeriodLimits(
                    minute ? limits.rpm() : null,
                    minute ? limits.tpm() : null,
                    period.startsWith("d") ? limits.dailyUsd() : period.startsWith("M") ? limits.monthlyUsd() : null);
        }
    }

    /**
     * This replica's share of one key's limits in one period: what it has in flight or has not yet written
     * ({@code mine}), plus what it may take of the rest, up to a fair 1/N of what the limit has left beyond the total
     * written ({@code global}) or up to what it {@code asked} for when its ask is served first, but never more than
     * the other replicas' shares ({@code others}, counting the ask served first as held) leave free. Computed under a
     * lock that serialises the replicas' syncs, so that the shares and the total never add up to more than the limit.
     * Unlimited measures get 0 (they are never checked).
     */
    static Usage share(
            Limits limits, String period, Usage global, Usage others, Usage mine, Usage asked, int replicas) {
        PeriodLimits l = PeriodLimits.of(limits, period);
        int n = Math.max(1, replicas);
        return new Usage(
                l.requests() == null
                        ? 0
                        : (long) share(
                                l.requests(),
                                global.requests(),
                                others.requests(),
                                mine.requests(),
                                asked.requests(),
                                n,
                                true),
                l.tokens() == null
                        ? 0
                        : (long) share(
                                l.tokens(), global.tokens(), others.tokens(), mine.tokens(), asked.tokens(), n, true),
                l.cost() == null
                        ? 0
                        : share(
                                l.cost(),
                                global.costUsd(),
                                others.costUsd(),
                                mine.costUsd(),
                                asked.costUsd(),
                                n,
                                false));
    }

    /** Whole requests and tokens round the fair part up, so that the last one can be used: what is free caps it. */
    private static double share(
            double limit, double global, double others, double mine, double asked, int n, boolean whole) {
        double free = limit - global - others - mine;
        double fair = (limit - global) / n;
        if (whole) {
            fair = Math.ceil(fair);
        }
        return mine + Math.max(0, Math.min(free, Math.max(fair, asked) - mine));
    }

    /**
     * Whether an ask for this share could be met in this period at all: within what each limit has left beyond the
     * total written. One that cannot is not served, so that it holds no room from the other replicas.
     */
    static boolean fits(Limits limits, String period, Usage global, Usage asked) {
        PeriodLimits l = PeriodLimits.of(limits, period);
        return (l.requests() == null || asked.requests() <= l.requests() - global.requests())
                && (l.tokens() == null || asked.tokens() <= l.tokens() - global.tokens())
                && (l.cost() == null || asked.costUsd() <= l.cost() - global.costUsd());
    }

    Admission admit(String keyId, Limits limits, Usage estimate) {
        Instant now = clock.instant();
        KeyMeter meter = meters.computeIfAbsent(keyId, k -> new KeyMeter());
        synchronized (meter) {
            meter.roll(periods(now));
            // A smaller request may not use the room a refused larger one waits for, or it would never be free.
            boolean behind = meter.demand != null && !estimate.covers(meter.demand.size());
            Usage held = behind ? meter.demand.size() : Usage.NONE;
            Refusal refused = meter.refusal(keyId, limits, estimate, held, shares, replicas);
            if (refused != null) {
                if (!behind) {
                    // Past the limit itself, no share can make room for this request now: it leaves no demand.
                    meter.demand = refused.reason() == Admission.Reason.REPLICA_SHARE
                            ? Demand.grow(meter.demand, estimate, now)
                            : null;
                }
                Duration retry =
                        switch (refused.reason()) {
                            case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE ->
                                Duration.ofSeconds(60 - now.getEpochSecond() % 60);
                            case REPLICA_SHARE -> syncInterval.multipliedBy(refused.syncs());
                            case BUDGET_SPENT -> null;
                        };
                return new Admission.Rejected(refused.reason(), retry);
            }
            if (!behind) {
                meter.demand = null;
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
     * Each key's demand to ask for at this sync; a demand that no refusal renewed for {@link #DEMAND_LAPSE} sync
     * intervals is dropped, so that a client that gave up stops holding room.
     */
    Map<String, Demand> demands() {
        Instant lapsed = clock.instant().minus(syncInterval.multipliedBy(DEMAND_LAPSE));
        Map<String, Demand> demands = new HashMap<>();
        meters.forEach((keyId, meter) -> {
            synchronized (meter) {
                if (meter.demand != null && meter.demand.last().isBefore(lapsed)) {
                    meter.demand = null;
                }
                if (meter.demand != null) {
                    demands.put(keyId, meter.demand);
                }
            }
        });
        return demands;
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

    /**
     * Why a request is refused; a refusal for lack of share also says after how many sync intervals it should fit: 1
     * when this replica's next share will hold it, 2 when the other replicas must give back first or a larger
     * request waits ahead of it.
     */
    private record Refusal(Admission.Reason reason, int syncs) {}

    /**
     * One key's counters: minute, day, month, what its requests in flight have reserved, and the demand its refusals
     * for lack of share left (null: none).
     */
    private static final class KeyMeter {
        private final Window[] windows = {new Window(), new Window(), new Window()};
        private Usage reserved = Usage.NONE;
        private Demand demand;

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

        /** Why a request is refused, if it is; {@code held} is the room of the share it must leave free. */
        Refusal refusal(
                String keyId, Limits limits, Usage estimate, Usage held, Map<Delta, Usage> shares, int replicas) {
            Window minute = windows[0];
            Usage minuteShare = shares.get(new Delta(keyId, minute.period));
            Refusal reason = check(
                    limits.rpm(),
                    minute,
                    Usage::requests,
                    estimate,
                    held,
                    minuteShare,
                    replicas,
                    Admission.Reason.REQUESTS_PER_MINUTE);
            if (reason == null) {
                reason = check(
                        limits.tpm(),
                        minute,
                        Usage::tokens,
                        estimate,
                        held,
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
                        estimate,
                        held,
                        shares.get(new Delta(keyId, windows[i].period)),
                        replicas,
                        Admission.Reason.BUDGET_SPENT);
            }
            return reason;
        }

        /**
         * Refuses what would pass the limit, and else what would pass this replica's share of it. Without a share
         * (no sync yet for this period), a replica among N takes 1/N of what was left at the last sync. A request
         * larger than a fair 1/N of what is left once this replica's own usage is written needs the other replicas
         * to give back first.
         */
        private Refusal check(
                Number limit,
                Window window,
                ToDoubleFunction<Usage> measure,
                Usage estimate,
                Usage held,
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
            double wanted = measure.applyAsDouble(estimate);
            if (global + mine + wanted > max) {
                return new Refusal(exceeded, 0);
            }
            double allowed = share != null ? measure.applyAsDouble(share) : (max - global) / replicas;
            if (mine + wanted > allowed) {
                return new Refusal(Admission.Reason.REPLICA_SHARE, wanted > (max - global - mine) / replicas ? 2 : 1);
            }
            return mine + wanted + measure.applyAsDouble(held) > allowed
                    ? new Refusal(Admission.Reason.REPLICA_SHARE, 2)
                    : null;
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
