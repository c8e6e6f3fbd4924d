package dev.ponder.cascade;

/**
 * What answers when no tier could: a fixed text, or one more backend outside the tiers. It is not used when the
 * request itself was refused, nor when a live stream broke off (the client already holds part of an answer).
 */
public record Fallback(String answer, ModelBackend backend) {

    public Fallback {
        if ((answer == null) == (backend == null)) {
            throw new IllegalArgumentException("a fallback is either an answer or a backend, not "
                    + (answer == null
                            ? "neither"
                            : "both (" + answer + ", " + backend.info().name() + ")"));
        }
        if (answer != null && answer.isBlank()) {
            throw new IllegalArgumentException("a fallback answer must not be blank");
        }
    }

    public static Fallback answer(String text) {
        return new Fallback(text, null);
    }

    public static Fallback backend(ModelBackend backend) {
        return new Fallback(null, backend);
    }
}
