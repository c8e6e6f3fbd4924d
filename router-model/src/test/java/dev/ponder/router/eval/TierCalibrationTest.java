package dev.ponder.router.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TierCalibrationTest {

    @Test
    void everyThresholdOfAThreeTierPolicyIsCalibratedAndTheTargetHoldsOnFreshTraffic() {
        SplittableRandom random = new SplittableRandom(3);
        double[][] calibration = traffic(6000, random);

        TierCalibration.Result r = TierCalibration.calibrate(
                List.of(rows(calibration, 0), rows(calibration, 1)), List.of(0.5, 0.9), 0.95, 0.05);

        assertThat(r.guaranteed()).isTrue();
        assertThat(r.tiers()).allMatch(TierCalibration.Tier::calibrated);
        double[] t = r.thresholds().stream().mapToDouble(Double::doubleValue).toArray();
        assertThat(t[1])
                .as("the middle tier is trusted with harder rows than the cheapest")
                .isGreaterThan(t[0]);
        assertThat(t[0]).isGreaterThan(0);
        int failures = 0;
        for (int trial = 0; trial < 40; trial++) {
            double[][] fresh = traffic(6000, random);
            double routed = 0, top = 0;
            for (double[] row : fresh) {
                routed += row[1 + TierSweep.startTier(row[0], t)];
                top += row[3];
            }
            failures += routed < 0.95 * top ? 1 : 0;
        }
        // delta = 0.05 allows about 2 of 40; the union bound is conservative, so expect none or almost none.
        assertThat(failures).isLessThanOrEqualTo(4);
    }

    @Test
    void aTierWithoutRowsKeepsItsConfiguredThresholdAndTheThresholdsStillRise() {
        TierCalibration.Rows none = new TierCalibration.Rows(new double[0], new double[0], new double[0]);
        TierCalibration.Rows allGood =
                new TierCalibration.Rows(new double[] {0.1, 0.2, 0.3}, new double[] {1, 1, 1}, new double[] {1, 1, 1});

        TierCalibration.Result r = TierCalibration.calibrate(List.of(none, allGood), List.of(0.6, 0.7), 0.9, 0.1);

        assertThat(r.tiers().get(0).calibrated()).isFalse();
        assertThat(r.tiers().get(1).calibrated()).isTrue();
        assertThat(r.thresholds().get(0)).isEqualTo(0.6);
        assertThat(r.thresholds().get(1)).isGreaterThanOrEqualTo(0.6);
        assertThat(r.guaranteed()).isFalse();
    }

    /** Rows of {score, cheap, middle, top}: the cheap tier fails as often as the score says, the middle half as often. */
    private static double[][] traffic(int n, SplittableRandom random) {
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            double s = random.nextDouble();
            rows[i] = new double[] {
                s,
                random.nextDouble() < s ? 0 : 1,
                random.nextDouble() < s / 2 ? 0 : 1,
                random.nextDouble() < 0.05 ? 0 : 1
            };
        }
        return rows;
    }

    private static TierCalibration.Rows rows(double[][] traffic, int tier) {
        double[] score = new double[traffic.length],
                quality = new double[traffic.length],
                top = new double[traffic.length];
        for (int i = 0; i < traffic.length; i++) {
            score[i] = traffic[i][0];
            quality[i] = traffic[i][1 + tier];
            top[i] = traffic[i][3];
        }
        return new TierCalibration.Rows(score, quality, top);
    }
}
