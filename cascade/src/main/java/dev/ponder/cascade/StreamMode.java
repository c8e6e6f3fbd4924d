package dev.ponder.cascade;

/** How a streamed request meets the cascade. */
public enum StreamMode {
    /**
     * Decide the tier before generation and stream its answer live: the lowest latency, but the answer cannot be
     * checked before the client sees it. A tier that fails before its first token still escalates.
     */
    ROUTE_THEN_STREAM,
    /**
     * Buffer each lower tier's answer and check it; stream the accepted answer, or the top tier's answer live.
     * The client waits for the checks, and gets only answers that passed them.
     */
    VERIFY_THEN_STREAM
}
