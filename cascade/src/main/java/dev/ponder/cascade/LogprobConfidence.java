package dev.ponder.cascade;

import java.util.Arrays;
import java.util.List;

/**
 * The {@link Signal#LOGPROBS} signal: a small logistic model over summary features of an answer's token logprobs,
 * rather than their raw mean (a long answer with one wild guess in it has a fine mean). Features, in order: the
 * mean logprob, the lowest logprob, the share of tokens below 50% probability, and log(1 + token count).
 *
 * <p>The {@link #PRIOR} weights are set by hand, not learned: none of the outcome data at hand carries logprobs.
 * They make confidence fall as the mean and the worst token get less likely and as unsure tokens pile up. The
 * learning loop refits them with {@link #fit}: every attempt that had logprobs records these features in its
 * {@code signals} map (keys {@code logprobs.mean}, {@code logprobs.min}, {@code logprobs.unsure},
 * {@code logprobs.length}), the labels say whether that tier's answer was good enough, and the retraining job stores
 * the fitted weights with the router model version the gateway then uses.
 */
public final class LogprobConfidence {

    /** The summary features' names, in order: their keys in an attempt's signals are {@code logprobs.<name>}. */
    public static final List<String> FEATURES = List.of("mean", "min", "unsure", "length");

    /** Hand-set prior: bias, then one weight per feature. */
    public static final LogprobConfidence PRIOR = new LogprobConfidence(new double[] {2.0, 3.0, 0.15, -4.0, 0.0});

    private static final double UNSURE = Math.log(0.5);

    private final double[] weights;

    /** {@code weights[0]} is the bias, then one weight per feature in the order of the class comment. */
    public LogprobConfidence(double[] weights) {
        if (weights == null || weights.length != FEATURES.size() + 1) {
            throw new IllegalArgumentException("a logprob model needs " + (FEATURES.size() + 1) + " weights (bias and "
                    + FEATURES + ") but got " + Arrays.toString(weights));
        }
        for (double w : weights) {
            if (!Double.isFinite(w)) {
                throw new IllegalArgumentException("weights must be finite but were " + Arrays.toString(weights));
            }
        }
        this.weights = weights.clone();
    }

    /** The summary features of a non-empty logprob sequence, in the order of the class comment. */
    public static double[] features(List<TokenLogprob> logprobs) {
        if (logprobs.isEmpty()) {
            throw new IllegalArgumentException("no logprobs to summarise");
        }
        double sum = 0;
        double min = 0;
        int unsure = 0;
        for (TokenLogprob t : logprobs) {
            sum += t.logprob();
            min = Math.min(min, t.logprob());
            unsure += t.logprob() < UNSURE ? 1 : 0;
        }
        int n = logprobs.size();
        // Logprobs of -inf (a token the model gave no mass) are clipped so that one of them cannot make NaN.
        return new double[] {Math.max(-50, sum / n), Math.max(-50, min), unsure / (double) n, Math.log1p(n)};
    }

    /** In [0, 1]: how likely an answer with these token logprobs is good enough. */
    public double confidence(List<TokenLogprob> logprobs) {
        return probability(features(logprobs));
    }

    /** In [0, 1]: the same for the summary features {@link #features} gives. */
    public double probability(double[] features) {
        double z = weights[0];
        for (int i = 0; i < features.length; i++) {
            z += weights[i + 1] * features[i];
        }
        return 1 / (1 + Math.exp(-z));
    }

    public double[] weights() {
        return weights.clone();
    }

    /**
     * Refits the model by gradient descent on the log loss with a little L2 (the bias is not shrunk), starting from
     * this model: {@code features.get(i)} as {@link #features} gives them, {@code good.get(i)} whether that answer
     * was good enough. Deterministic: the same data give the same weights.
     */
    public LogprobConfidence fit(List<double[]> features, List<Boolean> good, int epochs, double learningRate) {
        if (features.size() != good.size() || features.isEmpty()) {
            throw new IllegalArgumentException(
                    "fit needs as many labels as rows, and some rows: " + features.size() + " vs " + good.size());
        }
        if (epochs < 1 || !(learningRate > 0)) {
            throw new IllegalArgumentException(
                    "epochs must be >= 1 and the learning rate > 0 but were " + epochs + " and " + learningRate);
        }
        double lambda = 1e-3;
        double[] w = weights.clone();
        LogprobConfidence current = this;
        for (int epoch = 0; epoch < epochs; epoch++) {
            double[] gradient = new double[w.length];
            for (int r = 0; r < features.size(); r++) {
                double[] x = features.get(r);
                double error = current.probability(x) - (good.get(r) ? 1 : 0);
                gradient[0] += error;
                for (int i = 0; i < x.length; i++) {
                    gradient[i + 1] += error * x[i];
                }
            }
            for (int i = 0; i < w.length; i++) {
                w[i] -= learningRate * (gradient[i] / features.size() + (i == 0 ? 0 : lambda * w[i]));
            }
            current = new LogprobConfidence(w);
        }
        return current;
    }
}
