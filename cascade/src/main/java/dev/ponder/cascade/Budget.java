package dev.ponder.cascade;

import java.time.Duration;

/**
 * Per-request limits: how often it may escalate, how long it may take, how much it may cost. The engine starts no
 * attempt beyond {@code maxEscalations} (failed attempts count), none once the deadline has passed, and none once
 * the attempts so far cost {@code maxCostUsd} or more; an answer that would escalate past them is accepted instead.
 * A call already running is not cut off: each backend's own timeout bounds it, and its cost is what it is.
 */
public record Budget(int maxEscalations, Duration deadline, double maxCostUsd) {

    public static final Budget UNLIMITED = new Budget(Integer.MAX_VALUE, Duration.ofDays(1), Double.MAX_VALUE);

    public Budget {
        if (maxEscalations < 0) {
            throw new IllegalArgumentException("maxEscalations must be >= 0 but was " + maxEscalations);
        }
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive but was " + deadline);
        }
        if (!(maxCostUsd >= 0)) {
            throw new IllegalArgumentException("maxCostUsd must be >= 0 but was " + maxCostUsd);
        }
    }
}
