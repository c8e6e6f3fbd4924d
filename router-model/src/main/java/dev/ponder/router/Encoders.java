package dev.ponder.router;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The process-wide sentence encoders, each loaded on first use (about half a second) and shared by all models. */
final class Encoders {
    private static final Map<EncoderModel, SentenceEncoder> LOADED = new ConcurrentHashMap<>();

    private Encoders() {}

    static SentenceEncoder of(EncoderModel model) {
        return LOADED.computeIfAbsent(model, OnnxEncoder::load);
    }
}
