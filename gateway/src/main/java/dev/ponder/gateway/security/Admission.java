package dev.ponder.gateway.security;

import java.time.Duration;

/** Whether the meter lets a request through, and if not, why and when to come back. */
sealed interface Admission {

    /** Let through; the reservation must be settled once the request ends. */
    record Admitted(Reservation reservation) implements Admission {}

    record Rejected(Reason reason, Duration retryAfter) implements Admission {}

    enum Reason {
        /** The requests-per-minute limit: retry next minute. */
        REQUESTS_PER_MINUTE,
        /** The tokens-per-minute limit: retry next minute. */
        TOKENS_PER_MINUTE,
        /** The daily or monthly budget is spent: no retry helps until the period ends. */
        BUDGET_SPENT,
        /** The limit has room, but this replica's share of it until the next sync is used: retry shortly. */
        REPLICA_SHARE
    }
}
