package dev.ponder.cascade;

/** How a request through the cascade ended. */
public sealed interface CascadeResult {

    Trail trail();

    /** A tier's answer was accepted. */
    record Answered(ChatAnswer answer, Attempt by, Trail trail) implements CascadeResult {}

    /** No tier produced an answer; {@code error} is the failure that ended it (the last one). */
    record Failed(BackendException error, Trail trail) implements CascadeResult {
        /** What the gateway maps to its status: 503, 504, 502, or the upstream's refusal. */
        public BackendException.Failure failure() {
            return error.failure();
        }
    }
}
