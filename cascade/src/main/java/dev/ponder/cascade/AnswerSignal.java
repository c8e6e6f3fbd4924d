package dev.ponder.cascade;

/** Judges an answer before the client gets it: the {@link Signal#SCORER} signal. Must be thread-safe. */
@FunctionalInterface
public interface AnswerSignal {

    /** In [0, 1]: how likely {@code answer} is a good enough answer to {@code request}. */
    double confidence(ChatRequest request, ChatAnswer answer);
}
