package dev.ponder.gateway.security;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one admitted request holds against its key's limits until it ends: an estimate of its tokens and cost,
 * replaced by the real ones from its outcome when it settles.
 */
final class Reservation {

    private final String keyId;
    private final Usage estimate;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Usage actual;

    Reservation(String keyId, Usage estimate) {
        this.keyId = keyId;
        this.estimate = estimate;
    }

    String keyId() {
        return keyId;
    }

    Usage estimate() {
        return estimate;
    }

    /** Records what the request really used, once its outcome is known. */
    void record(long tokens, double costUsd) {
        actual = new Usage(1, tokens, costUsd);
    }

    /** What to count once the request ends: the recorded usage, or the request alone when it reached no backend. */
    Usage actual() {
        Usage known = actual;
        return known == null ? new Usage(1, 0, 0) : known;
    }

    /** True the first time only, so that a reservation is settled exactly once. */
    boolean markSettled() {
        return settled.compareAndSet(false, true);
    }
}
