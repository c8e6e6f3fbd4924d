package dev.ponder.router;

/** Turns a text into a fixed-size, L2-normalized embedding. */
public interface SentenceEncoder {
    int dimension();

    float[] embed(String text);
}
