package dev.ponder.router;

import java.util.function.Supplier;

/** Lays out a prompt's features: [lexical | embedding | hashed n-grams], each group present only if the spec asks. */
final class PromptFeaturizer {
    private final FeatureSpec spec;
    private final Standardizer lexical;
    private final Supplier<SentenceEncoder> encoder;
    private final int encoderOffset;
    private final int ngramOffset;
    private final int dimension;

    PromptFeaturizer(FeatureSpec spec, Standardizer lexical, Supplier<SentenceEncoder> encoder) {
        if (spec.lexical() && lexical.size() != LexicalFeatures.SIZE) {
            throw new IllegalArgumentException(
                    "lexical standardizer has " + lexical.size() + " features, expected " + LexicalFeatures.SIZE);
        }
        this.spec = spec;
        this.lexical = lexical;
        this.encoder = encoder;
        this.encoderOffset = spec.lexical() ? LexicalFeatures.SIZE : 0;
        this.ngramOffset = encoderOffset + (spec.encoder() ? OnnxEncoder.DIMENSION : 0);
        this.dimension = ngramOffset + (spec.ngramBits() > 0 ? 1 << spec.ngramBits() : 0);
    }

    int dimension() {
        return dimension;
    }

    SparseVector features(String prompt) {
        SparseVector.Builder b = new SparseVector.Builder();
        if (spec.lexical()) {
            double[] raw = LexicalFeatures.of(prompt);
            for (int j = 0; j < raw.length; j++) {
                b.add(j, lexical.apply(j, raw[j]));
            }
        }
        if (spec.encoder()) {
            float[] e = encoder.get().embed(prompt, spec.encoderTokens());
            for (int j = 0; j < e.length; j++) {
                b.add(encoderOffset + j, e[j]);
            }
        }
        if (spec.ngramBits() > 0) {
            NgramHashing.add(b, Text.tokens(prompt), true, spec.ngramBits(), 0, ngramOffset);
        }
        return b.build();
    }
}
