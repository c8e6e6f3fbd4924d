package dev.ponder.gateway.learning;

import dev.ponder.router.FeatureSpec;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code ponder.learning.*}: shadow sampling, the retraining job, and {@code model}, a router artifact written by
 * {@code train} (NAME.bin, with NAME.card.json beside it) that gateways serve instead of the one bundled in the jar
 * while no stored version is active. ({@code ponder.learning.reload-interval}, how often gateways look for a newly
 * promoted router model, is read by {@link RouterModels}' schedule.)
 */
@ConfigurationProperties("ponder.learning")
record LearningProperties(Shadow shadow, Retrain retrain, Path model) {

    LearningProperties {
        shadow = shadow == null ? new Shadow(null, null, null, null) : shadow;
        retrain = retrain == null
                ? new Retrain(null, null, null, null, null, null, null, null, null, null, null)
                : retrain;
    }

    /**
     * Shadow sampling: this share of the requests a lower tier answered is also sent, after the response, to the
     * policy's top tier, within a daily budget; short answers are compared by normalised or numeric match, longer
     * ones by the {@code judge} backend (none: only short answers are labelled).
     */
    record Shadow(Double rate, Double dailyBudgetUsd, String judge, Integer shortAnswerChars) {
        Shadow {
            rate = rate == null ? 0.0 : rate;
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("ponder.learning.shadow.rate must be in [0, 1] but was " + rate);
            }
            dailyBudgetUsd = dailyBudgetUsd == null ? 1.0 : dailyBudgetUsd;
            if (!(dailyBudgetUsd >= 0)) {
                throw new IllegalArgumentException(
                        "ponder.learning.shadow.daily-budget-usd must be >= 0 but was " + dailyBudgetUsd);
            }
            shortAnswerChars = shortAnswerChars == null ? 40 : shortAnswerChars;
        }
    }

    /**
     * The retraining job: seed outcome files trained on with the labels, the seed's weak and strong models, the
     * newest share of labels held out for the comparison, the APGR margin a candidate must win by to be promoted, the
     * quality target thresholds are calibrated for, the classifier's features and epochs, and how many labelled
     * attempts with logprob features it takes to fit the logprob signal's weights (fewer: the prior stays).
     */
    record Retrain(
            List<Path> seedData,
            List<String> weak,
            String strong,
            Double holdoutFraction,
            Double margin,
            Double targetQuality,
            Double delta,
            Integer minHoldout,
            String features,
            Integer epochs,
            Integer minLogprobLabels) {
        Retrain {
            seedData = seedData == null ? List.of() : List.copyOf(seedData);
            weak = weak == null ? List.of("mistralai/mistral-7b-chat", "mistralai/mixtral-8x7b-chat") : weak;
            strong = strong == null ? "gpt-4-1106-preview" : strong;
            if (weak.contains(strong)) {
                throw new IllegalArgumentException("ponder.learning.retrain.weak must not list the strong model "
                        + strong + " but was " + weak + ": a model compared with itself teaches the router nothing");
            }
            holdoutFraction = holdoutFraction == null ? 0.3 : holdoutFraction;
            if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
                throw new IllegalArgumentException(
                        "ponder.learning.retrain.holdout-fraction must be in (0, 1) but was " + holdoutFraction);
            }
            margin = margin == null ? 0.01 : margin;
            targetQuality = targetQuality == null ? 0.95 : targetQuality;
            delta = delta == null ? 0.1 : delta;
            minHoldout = minHoldout == null ? 30 : minHoldout;
            features = features == null ? "lexical,ngrams:16" : features;
            FeatureSpec spec;
            try {
                spec = FeatureSpec.parse(features);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ponder.learning.retrain.features: " + e.getMessage(), e);
            }
            if (spec.encoder()) {
                spec.encoderModel().requireOnClasspath("ponder.learning.retrain.features (" + features + ")");
            }
            // Chosen by grouped CV: longer training over-fits the n-grams to the training sources (docs/router.md).
            epochs = epochs == null ? 4 : epochs;
            minLogprobLabels = minLogprobLabels == null ? 100 : minLogprobLabels;
            if (minLogprobLabels < 10) {
                throw new IllegalArgumentException(
                        "ponder.learning.retrain.min-logprob-labels must be >= 10 but was " + minLogprobLabels);
            }
        }
    }
}
