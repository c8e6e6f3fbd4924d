package dev.ponder.cascade;

import java.util.List;

/** How a request through the cascade ended. */
public sealed interface CascadeResult {

    Trail trail();

    /**
     * A tier's answer was accepted. {@code choices} are the request's {@code n} answers, {@code answer} first: the
     * tier whose answer passed the check gave the others too.
     */
    record Answered(ChatAnswer answer, Attempt by, Trail trail, List<ChatAnswer> choices) implements CascadeResult {
        public Answered {
            choices = List.copyOf(choices);
            if (choices.isEmpty() || choices.getFirst() != answer) {
                throw new IllegalArgumentException("choices must start with the answer but were " + choices);
            }
        }
    }

    /** No tier produced an answer; {@code error} is the failure that ended it (the last one). */
    record Failed(BackendException error, Trail trail) implements CascadeResult {
        /** What the gateway maps to its status: 503, 504, 502, or the upstream's refusal. */
        public BackendException.Failure failure() {
            return error.failure();
        }
    }
}
