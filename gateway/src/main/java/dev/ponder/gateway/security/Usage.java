package dev.ponder.gateway.security;

/** Requests, tokens and USD counted against a key's limits. */
record Usage(long requests, long tokens, double costUsd) {

    static final Usage NONE = new Usage(0, 0, 0);

    Usage {
        if (requests < 0 || tokens < 0 || !(costUsd >= 0)) {
            throw new IllegalArgumentException(
                    "usage must be >= 0 but was " + requests + " requests, " + tokens + " tokens, " + costUsd + " USD");
        }
    }

    Usage plus(Usage other) {
        return new Usage(requests + other.requests, tokens + other.tokens, costUsd + other.costUsd);
    }

    /** The larger of each measure. */
    Usage max(Usage other) {
        return new Usage(
                Math.max(requests, other.requests), Math.max(tokens, other.tokens), Math.max(costUsd, other.costUsd));
    }

    /** Whether every measure is at least {@code other}'s. */
    boolean covers(Usage other) {
        return requests >= other.requests && tokens >= other.tokens && costUsd >= other.costUsd;
    }

    /** This minus {@code other}, floored at zero: what is left of a counter once a part of it is accounted for. */
    Usage minus(Usage other) {
        return new Usage(
                Math.max(0, requests - other.requests),
                Math.max(0, tokens - other.tokens),
                Math.max(0, costUsd - other.costUsd));
    }
}
