package dev.ponder.gateway.security;

import dev.ponder.cascade.Attempt;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ties a request's reservation to its outcome: the outcome, published on the request's thread before the answer
 * leaves, carries the real tokens and cost (an embedding, which has no outcome, records them itself), and the
 * request path settles the reservation when the request ends.
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
        if (!inFlight.containsKey(outcome.requestId())) {
            return;
        }
        record(
                outcome.requestId(),
                outcome.trail().attempts().stream()
                        .mapToLong(a -> a.usage().total())
                        .sum(),
                outcome.trail().attempts().stream()
                        .mapToDouble(Attempt::costUsd)
                        .sum());
    }

    /** What an admitted request really used, for when it ends; a request that is not in flight is not metered. */
    void record(String requestId, long tokens, double costUsd) {
        Reservation reservation = inFlight.get(requestId);
        if (reservation != null) {
            reservation.record(tokens, costUsd);
        }
    }

    /** Settles the request's reservation with what its outcome recorded, or as a bare request without one. */
    void end(String requestId) {
        Reservation reservation = inFlight.remove(requestId);
        if (reservation != null) {
            meter.settle(reservation);
        }
    }
}
