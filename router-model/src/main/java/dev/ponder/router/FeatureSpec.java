package dev.ponder.router;

import java.util.ArrayList;
import java.util.List;

/**
 * Which feature groups a model uses: the lexical descriptors, the sentence embedding by {@code encoderModel} of a
 * window of {@code encoderTokens} word pieces (0 turns it off), and unigram+bigram counts hashed into {@code
 * 2^ngramBits} buckets (0 turns them off).
 */
public record FeatureSpec(boolean lexical, EncoderModel encoderModel, int encoderTokens, int ngramBits) {
    /** The encoder window when "encoder" names no size: chosen by cross-validation against its latency. */
    public static final int DEFAULT_ENCODER_TOKENS = 40;

    public FeatureSpec {
        if (encoderModel == null) {
            throw new IllegalArgumentException("encoderModel must not be null");
        }
        if (encoderTokens == 0) {
            encoderModel = EncoderModel.MINILM; // without an encoder the model is moot: one value keeps specs equal
        }
        if (ngramBits != 0 && (ngramBits < 8 || ngramBits > 22)) {
            throw new IllegalArgumentException("ngramBits must be 0 or in [8, 22], got " + ngramBits);
        }
        if (encoderTokens != 0
                && (encoderTokens < encoderModel.minTokens() || encoderTokens > OnnxEncoder.MAX_TOKENS)) {
            throw new IllegalArgumentException("encoderTokens must be 0 or in [" + encoderModel.minTokens() + ", "
                    + OnnxEncoder.MAX_TOKENS + "] for " + encoderModel.id() + ", got " + encoderTokens);
        }
        if (!lexical && encoderTokens == 0 && ngramBits == 0) {
            throw new IllegalArgumentException("a feature spec needs at least one group, got none");
        }
    }

    /** The default encoder, MiniLM: every spec written before the encoder could be chosen. */
    public FeatureSpec(boolean lexical, int encoderTokens, int ngramBits) {
        this(lexical, EncoderModel.MINILM, encoderTokens, ngramBits);
    }

    public boolean encoder() {
        return encoderTokens > 0;
    }

    /**
     * Parses "lexical,ngrams,encoder" (any subset; ngrams may carry its bits, e.g. "ngrams:16", and encoder its window
     * in word pieces, e.g. "encoder:128", and before it another network than MiniLM, e.g. "encoder:bge" or
     * "encoder:e5:20").
     */
    public static FeatureSpec parse(String groups) {
        boolean lexical = false;
        EncoderModel model = EncoderModel.MINILM;
        int tokens = 0;
        int bits = 0;
        for (String g : groups.split(",")) {
            String name = g.strip();
            if (name.equals("lexical")) {
                lexical = true;
            } else if (name.equals("encoder")) {
                tokens = DEFAULT_ENCODER_TOKENS;
            } else if (name.startsWith("encoder:")) {
                String[] parts = name.substring("encoder:".length()).split(":", -1);
                boolean named = !parts[0].isEmpty() && !Character.isDigit(parts[0].charAt(0));
                if (parts.length > 2 || (parts.length == 2 && !named)) {
                    throw new IllegalArgumentException(
                            "encoder takes [MODEL][:TOKENS] (e.g. encoder:40, encoder:bge:20), got '" + name + "'");
                }
                model = named ? EncoderModel.of(parts[0]) : EncoderModel.MINILM;
                tokens = named && parts.length == 1
                        ? DEFAULT_ENCODER_TOKENS
                        : parseInt("encoder window", parts[parts.length - 1]);
            } else if (name.equals("ngrams")) {
                bits = 16;
            } else if (name.startsWith("ngrams:")) {
                bits = parseInt("ngram bits", name.substring("ngrams:".length()));
            } else {
                throw new IllegalArgumentException("unknown feature group '" + name
                        + "' (expected lexical, ngrams[:BITS], encoder[:MODEL][:TOKENS])");
            }
        }
        return new FeatureSpec(lexical, model, tokens, bits);
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
            // MiniLM is left unnamed, so the specs (and model cards) written before the choice read as they did.
            parts.add(
                    "encoder:" + (encoderModel == EncoderModel.MINILM ? "" : encoderModel.id() + ":") + encoderTokens);
        }
        return String.join(",", parts);
    }
}
