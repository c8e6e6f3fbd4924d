package dev.ponder.router;

/** The process-wide MiniLM encoder, loaded on first use (about half a second) and shared by all models. */
final class Encoders {
    private Encoders() {}

    private static final class Holder {
        static final SentenceEncoder MINI_LM = MiniLmEncoder.load();
    }

    static SentenceEncoder miniLm() {
        return Holder.MINI_LM;
    }
}
