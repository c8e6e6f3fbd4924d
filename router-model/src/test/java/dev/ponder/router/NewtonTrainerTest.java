package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NewtonTrainerTest {
    private static final double L2 = 1e-2;

    /** Three dense columns on very different scales (one constant) and soft labels that depend on two of them. */
    private static List<LogisticTrainer.Example> examples(double scaleOfFirst) {
        SplittableRandom random = new SplittableRandom(5);
        List<LogisticTrainer.Example> out = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            double y = LinearModel.sigmoid(2 * a - b + 0.3 * random.nextGaussian());
            SparseVector x = new SparseVector.Builder()
                    .add(0, 0.4 + scaleOfFirst * a)
                    .add(1, 0.01 * b)
                    .add(2, 7)
                    .build();
            out.add(new LogisticTrainer.Example(x, y));
        }
        return out;
    }

    /**
     * The gradient of the objective the trainer minimises, mean log loss + l2/2 |v|^2 over standardized columns, at
     * the returned raw-space model mapped back to those columns (v = w * scale, c = b + w . mean).
     */
    private static double[] standardizedGradient(List<LogisticTrainer.Example> examples, LinearModel m) {
        int d = m.weights().length;
        List<double[]> rows = new ArrayList<>();
        for (LogisticTrainer.Example e : examples) {
            double[] r = new double[d];
            for (int k = 0; k < e.x().index().length; k++) {
                r[e.x().index()[k]] += e.x().value()[k];
            }
            rows.add(r);
        }
        Standardizer s = Standardizer.fit(rows);
        double[] gradient = new double[d + 1];
        for (int i = 0; i < rows.size(); i++) {
            double err = m.probability(examples.get(i).x()) - examples.get(i).y();
            for (int j = 0; j < d; j++) {
                gradient[j] += err * (rows.get(i)[j] - s.mean()[j]) / s.scale()[j] / rows.size();
            }
            gradient[d] += err / rows.size();
        }
        for (int j = 0; j < d; j++) {
            gradient[j] += L2 * m.weights()[j] * s.scale()[j];
        }
        return gradient;
    }

    @Test
    void theFitIsTheRegularisedOptimumOverStandardizedColumns() {
        List<LogisticTrainer.Example> examples = examples(3);

        LinearModel m = new NewtonTrainer(L2).fit(examples, 3);

        // Only the float rounding of the stored weights keeps this from 0.
        assertThat(Arrays.stream(standardizedGradient(examples, m))
                        .map(Math::abs)
                        .max()
                        .orElseThrow())
                .isLessThan(1e-6);
        assertThat(m.weights()[2]).isZero();
    }

    @Test
    void aColumnsScaleDoesNotChangeTheScores() {
        List<LogisticTrainer.Example> narrow = examples(0.01);
        List<LogisticTrainer.Example> wide = examples(100);

        LinearModel a = new NewtonTrainer(L2).fit(narrow, 3);
        LinearModel b = new NewtonTrainer(L2).fit(wide, 3);

        for (int i = 0; i < narrow.size(); i += 37) {
            assertThat(b.probability(wide.get(i).x()))
                    .isCloseTo(a.probability(narrow.get(i).x()), within(1e-5));
        }
    }

    @Test
    void sameExamplesGiveBitIdenticalWeights() {
        LinearModel a = new NewtonTrainer(L2).fit(examples(3), 3);
        LinearModel b = new NewtonTrainer(L2).fit(examples(3), 3);

        assertThat(b.weights()).isEqualTo(a.weights());
        assertThat(b.bias()).isEqualTo(a.bias());
    }

    @Test
    void itNeedsL2AndRefusesFeaturesTooWideForADenseHessian() {
        assertThatThrownBy(() -> new NewtonTrainer(0)).hasMessageContaining("l2 must be > 0");
        assertThatThrownBy(() -> new NewtonTrainer(L2).fit(examples(3), NewtonTrainer.MAX_DIMENSION + 1))
                .hasMessageContaining("hashed n-grams need the sgd fit");
    }
}
