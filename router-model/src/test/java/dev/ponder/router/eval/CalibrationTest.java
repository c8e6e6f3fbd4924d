package dev.ponder.router.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CalibrationTest {
    @Test
    void binomialTailMatchesHandComputedValues() {
        // P(X <= 1), X ~ Bin(3, 0.5) = (1 + 3) / 8.
        assertThat(Binomial.cdf(1, 3, 0.5)).isCloseTo(0.5, within(1e-12));
        // P(X <= 0), X ~ Bin(10, 0.1) = 0.9^10.
        assertThat(Binomial.cdf(0, 10, 0.1)).isCloseTo(Math.pow(0.9, 10), within(1e-12));
        // Thousands of trials must not underflow to 0.
        assertThat(Binomial.cdf(2500, 10000, 0.25)).isBetween(0.4, 0.6);
    }

    @Test
    void theUpperBoundIsTheRateWhoseTailEqualsDelta() {
        double ub = Binomial.upperBound(5, 100, 0.05);

        assertThat(Binomial.cdf(5, 100, ub)).isCloseTo(0.05, within(1e-6));
        assertThat(ub).isGreaterThan(0.05);
    }

    @Test
    void theQualityTargetHoldsOnFreshDataFromTheSameDistribution() {
        SplittableRandom random = new SplittableRandom(1);
        Rows calibration = rows(4000, random);
        Calibration.Result r =
                Calibration.forQuality(calibration.score, calibration.weak, calibration.strong, 0.95, 0.05);

        assertThat(r.guaranteed()).isTrue();
        assertThat(r.guaranteedRatio()).isGreaterThanOrEqualTo(0.95);
        assertThat(r.strongShare()).isLessThan(1);
        int failures = 0;
        for (int trial = 0; trial < 40; trial++) {
            Rows fresh = rows(4000, random);
            RoutingCurve curve = RoutingCurve.unitCost(fresh.score, fresh.weak, fresh.strong);
            if (curve.at(r.threshold()).quality() < 0.95 * curve.strongQuality()) {
                failures++;
            }
        }
        // delta = 0.05 allows about 2 of 40; the bound is conservative, so expect none or almost none.
        assertThat(failures).isLessThanOrEqualTo(4);
    }

    @Test
    void withTooFewRowsNothingIsGuaranteedAndEverythingGoesStrong() {
        Calibration.Result r =
                Calibration.forQuality(new double[] {0.1, 0.9}, new double[] {1, 0}, new double[] {1, 1}, 0.99, 0.05);

        assertThat(r.guaranteed()).isFalse();
        assertThat(r.strongShare()).isEqualTo(1.0);
    }

    @Test
    void aShareTargetPicksTheClosestOperatingPoint() {
        RoutingCurve curve = RoutingCurve.unitCost(
                new double[] {0.9, 0.7, 0.5, 0.3, 0.1}, new double[5], new double[] {1, 1, 1, 1, 1});

        Calibration.Result r = Calibration.forStrongShare(curve, 0.4);

        assertThat(r.strongShare()).isEqualTo(0.4);
        assertThat(r.threshold()).isEqualTo(0.5);
    }

    private record Rows(double[] score, double[] weak, double[] strong) {}

    /** Weak fails with probability equal to the score; strong fails 10% of the time. */
    private static Rows rows(int n, SplittableRandom random) {
        double[] s = new double[n], w = new double[n], st = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = random.nextDouble();
            w[i] = random.nextDouble() < s[i] ? 0 : 1;
            st[i] = random.nextDouble() < 0.1 ? 0 : 1;
        }
        return new Rows(s, w, st);
    }
}
