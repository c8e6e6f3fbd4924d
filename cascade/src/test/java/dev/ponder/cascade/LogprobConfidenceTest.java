package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogprobConfidenceTest {

    @Test
    void thePriorTrustsSureTokensAndDoubtsOneWildGuessThatTheMeanHides() {
        List<TokenLogprob> sure = tokens(-0.01, -0.02, -0.05, -0.01, -0.03, -0.02, -0.01, -0.02);
        List<TokenLogprob> oneGuess = tokens(-0.01, -0.01, -0.01, -0.01, -0.01, -0.01, -0.01, -2.4);
        List<TokenLogprob> unsure = tokens(-1.2, -0.9, -2.0, -1.5, -0.8, -1.1, -1.7, -1.3);

        double a = LogprobConfidence.PRIOR.confidence(sure);
        double b = LogprobConfidence.PRIOR.confidence(oneGuess);
        double c = LogprobConfidence.PRIOR.confidence(unsure);

        assertThat(a).isGreaterThan(0.8);
        assertThat(b).isLessThan(a);
        assertThat(c).isLessThan(0.2);
    }

    @Test
    void fittingLearnsWhichSequencesWereGoodAndIsDeterministic() {
        Random random = new Random(7);
        List<double[]> features = new ArrayList<>();
        List<Boolean> good = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // Synthetic truth the prior does not know: answers are good exactly when no token is below -1.
            double[] lp = random.doubles(12, -1.6, 0).toArray();
            features.add(LogprobConfidence.features(tokens(lp)));
            good.add(Arrays.stream(lp).min().orElseThrow() > -1);
        }
        LogprobConfidence fitted = LogprobConfidence.PRIOR.fit(features, good, 3_000, 0.5);

        assertThat(accuracy(fitted, features, good)).isGreaterThan(0.9);
        assertThat(logLoss(fitted, features, good)).isLessThan(logLoss(LogprobConfidence.PRIOR, features, good));
        assertThat(LogprobConfidence.PRIOR.fit(features, good, 3_000, 0.5).weights())
                .containsExactly(fitted.weights());
    }

    @Test
    void rejectsAModelOfTheWrongShape() {
        assertThatThrownBy(() -> new LogprobConfidence(new double[] {1, 2}))
                .hasMessageContaining("needs 5 weights")
                .hasMessageContaining("[1.0, 2.0]");
    }

    private static double accuracy(LogprobConfidence model, List<double[]> features, List<Boolean> good) {
        int right = 0;
        for (int i = 0; i < features.size(); i++) {
            right += (model.probability(features.get(i)) >= 0.5) == good.get(i) ? 1 : 0;
        }
        return right / (double) features.size();
    }

    private static double logLoss(LogprobConfidence model, List<double[]> features, List<Boolean> good) {
        double loss = 0;
        for (int i = 0; i < features.size(); i++) {
            double p = model.probability(features.get(i));
            loss -= Math.log(good.get(i) ? p : 1 - p);
        }
        return loss / features.size();
    }

    private static List<TokenLogprob> tokens(double... logprobs) {
        return Arrays.stream(logprobs).mapToObj(lp -> new TokenLogprob("t", lp)).toList();
    }
}
