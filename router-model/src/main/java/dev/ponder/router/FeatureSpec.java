package dev.ponder.router;

import java.util.ArrayList;
import java.util.List;

/**
 * Which feature groups a model uses: the lexical descriptors, the sentence embedding, and unigram+bigram counts hashed
 * into {@code 2^ngramBits} buckets (0 turns them off).
 */
public record FeatureSpec(boolean lexical, boolean encoder, int ngramBits) {
    public FeatureSpec {
        if (ngramBits != 0 && (ngramBits < 8 || ngramBits > 22)) {
            throw new IllegalArgumentException("ngramBits must be 0 or in [8, 22], got " + ngramBits);
        }
        if (!lexical && !encoder && ngramBits == 0) {
            throw new IllegalArgumentException("a feature spec needs at least one group, got none");
        }
    }

    /** Parses "lexical,ngrams,encoder" (any subset; ngrams may carry its bits, e.g. "ngrams:16"). */
    public static FeatureSpec parse(String groups) {
        boolean lexical = false, encoder = false;
        int bits = 0;
        for (String g : groups.split(",")) {
            String name = g.strip();
            if (name.equals("lexical")) {
                lexical = true;
            } else if (name.equals("encoder")) {
                encoder = true;
            } else if (name.equals("ngrams")) {
                bits = 16;
            } else if (name.startsWith("ngrams:")) {
                bits = parseBits(name.substring("ngrams:".length()));
            } else {
                throw new IllegalArgumentException(
                        "unknown feature group '" + name + "' (expected lexical, ngrams[:BITS], encoder)");
            }
        }
        return new FeatureSpec(lexical, encoder, bits);
    }

    private static int parseBits(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ngram bits must be an integer, got '" + s + "'");
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
        if (encoder) {
            parts.add("encoder");
        }
        return String.join(",", parts);
    }
}
