package dev.ponder.router;

/** Turns a text into a fixed-size, L2-normalized embedding of at most {@code maxTokens} of its word pieces. */
public interface SentenceEncoder {
    int dimension();

    float[] embed(String text, int maxTokens);
}
