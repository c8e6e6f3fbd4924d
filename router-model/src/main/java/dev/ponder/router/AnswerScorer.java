package dev.ponder.router;

/**
 * FrugalGPT's answer scorer: how likely a tier's answer to a prompt is good enough. The cascade escalates ("I don't
 * know") when this is low. Immutable and thread-safe; obtain it from {@link RouterModel#answerScorer()}.
 */
public final class AnswerScorer {
    private final AnswerFeaturizer featurizer;
    private final LinearModel model;

    AnswerScorer(AnswerFeaturizer featurizer, LinearModel model) {
        if (model.weights().length != featurizer.dimension()) {
            throw new IllegalArgumentException("answer model has " + model.weights().length
                    + " weights, its features need " + featurizer.dimension());
        }
        this.featurizer = featurizer;
        this.model = model;
    }

    /** The bundled default scorer. */
    public static AnswerScorer loadDefault() {
        return RouterModel.loadDefault().answerScorer();
    }

    /** In [0,1]: the probability that {@code answer} is a good enough answer to {@code prompt}. */
    public double goodEnough(String prompt, String answer) {
        return model.probability(featurizer.features(prompt, answer));
    }
}
