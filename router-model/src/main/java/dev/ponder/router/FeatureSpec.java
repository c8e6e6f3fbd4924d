package dev.ponder.router;

import java.util.ArrayList;
import java.util.List;

/**
 * Which feature groups a model uses: the lexical descriptors, the sentence embedding of a window of {@code
 * encoderTokens} word pieces (0 turns it off), and unigram+bigram counts hashed into {@code 2^ngramBits} buckets (0
 * turns them off).
 */
public record FeatureSpec(boolean lexical, int encoderTokens, int ngramBits) {
    /** The encoder window when "encoder" names no size: chosen by cross-validation against its latency. */
    public static final int DEFAULT_ENCODER_TOKENS = 40;

    public FeatureSpec {
        if (ngramBits != 0 && (ngramBits < 8 || ngramBits > 22)) {
            throw new IllegalArgumentException("ngramBits must be 0 or in [8, 22], got " + ngramBits);
        }
        if (encoderTokens != 0 && (encoderTokens < 3 || encoderTokens > MiniLmEncoder.MAX_TOKENS)) {
            throw new IllegalArgumentException(
                    "encoderTokens must be 0 or in [3, " + MiniLmEncoder.MAX_TOKENS + "], got " + encoderTokens);
        }
        if (!lexical && encoderTokens == 0 && ngramBits == 0) {
            throw new IllegalArgumentException("a feature spec needs at least one group, got none");
        }
    }

    public boolean encoder() {
        return encoderTokens > 0;
    }

    /**
     * Parses "lexical,ngrams,encoder" (any subset; ngrams may carry its bits, e.g. "ngrams:16", and encoder its window
     * in word pieces, e.g. "encoder:128").
     */
    public static FeatureSpec parse(String groups) {
        boolean lexical = false;
        int tokens = 0;
        int bits = 0;
        for (String g : groups.split(",")) {
            String name = g.strip();
            if (name.equals("lexical")) {
                lexical = true;
            } else if (name.equals("encoder")) {
                tokens = DEFAULT_ENCODER_TOKENS;
            } else if (name.startsWith("encoder:")) {
                tokens = parseInt("encoder window", name.substring("encoder:".length()));
            } else if (name.equals("ngrams")) {
                bits = 16;
            } else if (name.startsWith("ngrams:")) {
                bits = parseInt("ngram bits", name.substring("ngrams:".length()));
            } else {
                throw new IllegalArgumentException(
                        "unknown feature group '" + name + "' (expected lexical, ngrams[:BITS], encoder[:TOKENS])");
            }
        }
        return new FeatureSpec(lexical, tokens, bits);
    }

    private static int parseInt(String what, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be an integer, got '" + s + "'");
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (lexical) {
            parts.add("lexical");
        }
        if (ngramBits > 0) {
            parts.add("ngrams:" + ngramBits);
        }
        if (encoder()) {
            parts.add("encoder:" + encoderTokens);
        }
        return String.join(",", parts);
    }
}
