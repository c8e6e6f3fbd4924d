package dev.ponder.gateway.security;

import dev.ponder.cascade.Attempt;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ties a request's reservation to its outcome: the outcome, published on the request's thread before the answer
 * leaves, carries the real tokens and cost, and the request path settles the reservation when the request ends.
 */
final class Metering implements OutcomeListener {

    private final UsageMeter meter;
    private final Map<String, Reservation> inFlight = new ConcurrentHashMap<>();

    Metering(UsageMeter meter) {
        this.meter = meter;
    }

    void begin(String requestId, Reservation reservation) {
        inFlight.put(requestId, reservation);
    }

    @Override
    public void onOutcome(Outcome outcome) {
        Reservation reservation = inFlight.get(outcome.requestId());
        if (reservation == null) {
            return;
        }
        long tokens = outcome.trail().attempts().stream()
                .mapToLong(a -> a.usage().total())
                .sum();
        reservation.record(
                tokens,
                outcome.trail().attempts().stream()
                        .mapToDouble(Attempt::costUsd)
                        .sum());
    }

    /** Settles the request's reservation with what its outcome recorded, or as a bare request without one. */
    void end(String requestId) {
        Reservation reservation = inFlight.remove(requestId);
        if (reservation != null) {
            meter.settle(reservation);
        }
    }
}
