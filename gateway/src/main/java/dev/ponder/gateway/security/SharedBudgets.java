package dev.ponder.gateway.security;

import java.util.Optional;

/**
 * The gateway's own spending limits (not a key's), shared by all replicas the way a key's budget is: each is metered
 * by the {@link UsageMeter} under a reserved key id and reconciled by the {@link UsageSync} through {@code key_usage}
 * and {@code key_shares}, so that the replicas together stay within it. Reserving reads only memory.
 */
public final class SharedBudgets {

    private final UsageMeter meter;

    SharedBudgets(UsageMeter meter) {
        this.meter = meter;
    }

    /**
     * A daily USD budget shared by all replicas under {@code name}; its usage is kept as key id
     * {@code budget:<name>}, which no API key can have ({@code key_…}).
     */
    public Budget daily(String name, double usd) {
        Limits limits = new Limits(null, null, usd, null);
        String id = "budget:" + name;
        meter.budget(id, limits);
        return new Budget(id, limits);
    }

    /** One shared budget. */
    public final class Budget {

        private final String id;
        private final Limits limits;

        private Budget(String id, Limits limits) {
            this.id = id;
            this.limits = limits;
        }

        /**
         * Reserves {@code estimateUsd} while a spending runs; empty when it would pass the budget or this replica's
         * share of it. The spending must be {@link Spending#settle settled} once its real cost is known.
         */
        public Optional<Spending> reserve(double estimateUsd) {
            return meter.admit(id, limits, new Usage(1, 0, estimateUsd)) instanceof Admission.Admitted admitted
                    ? Optional.of(new Spending(admitted.reservation()))
                    : Optional.empty();
        }
    }

    /** A reserved spending; settling it replaces the estimate with the real cost (once; again does nothing). */
    public final class Spending {

        private final Reservation reservation;

        private Spending(Reservation reservation) {
            this.reservation = reservation;
        }

        public void settle(double costUsd) {
            reservation.record(0, costUsd);
            meter.settle(reservation);
        }
    }
}
