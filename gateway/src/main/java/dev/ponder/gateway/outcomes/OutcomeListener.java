package dev.ponder.gateway.outcomes;

/**
 * Receives every request's outcome once the client has its answer: the log writes it, metrics count it. Called on
 * the request's thread, so an implementation must not block.
 */
@FunctionalInterface
public interface OutcomeListener {

    void onOutcome(Outcome outcome);
}
