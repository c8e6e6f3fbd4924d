package dev.ponder.router.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RoutingCurveTest {
    // Four prompts: the weak model fails the first two, the strong model answers all.
    private final double[] weak = {0, 0, 1, 1};
    private final double[] strong = {1, 1, 1, 1};

    @Test
    void anOracleRecoversTheWholeGapWithTheFailingShare() {
        RoutingCurve oracle = RoutingCurve.unitCost(new double[] {1, 1, 0, 0}, weak, strong);

        // PGR climbs 0 -> 1 over share 0..0.5, then stays 1: area 0.25 + 0.5.
        assertThat(oracle.apgr()).isCloseTo(0.75, within(1e-12));
        assertThat(oracle.cpt(0.5)).isCloseTo(0.25, within(1e-12));
        assertThat(oracle.cpt(0.8)).isCloseTo(0.4, within(1e-12));
    }

    @Test
    void aConstantScoreIsTheRandomRouter() {
        RoutingCurve random = RoutingCurve.unitCost(new double[4], weak, strong);

        assertThat(random.apgr()).isCloseTo(0.5, within(1e-12));
        assertThat(random.cpt(0.5)).isCloseTo(0.5, within(1e-12));
        assertThat(random.cpt(0.8)).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void anInvertedRouterIsWorseThanRandom() {
        RoutingCurve inverted = RoutingCurve.unitCost(new double[] {0, 0, 1, 1}, weak, strong);

        // PGR stays 0 until share 0.5, then climbs to 1: area 0.25.
        assertThat(inverted.apgr()).isCloseTo(0.25, within(1e-12));
        assertThat(inverted.cpt(0.5)).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void thresholdsFollowTheCascadeRuleWeakServesScoresAtOrBelow() {
        RoutingCurve curve = RoutingCurve.unitCost(new double[] {0.9, 0.6, 0.3, 0.1}, weak, strong);

        RoutingCurve.Point p = curve.at(0.6);

        assertThat(p.strongShare()).isEqualTo(0.25);
        assertThat(curve.at(0.95).strongShare()).isZero();
        assertThat(curve.at(0.0).strongShare()).isEqualTo(1.0);
    }

    @Test
    void costsComeFromTheRowsWhenGiven() {
        RoutingCurve curve = RoutingCurve.of(
                new double[] {1, 0}, new double[] {0, 1}, new double[] {1, 1}, new double[] {1, 1}, new double[] {10, 10
                });

        assertThat(curve.points()).extracting(RoutingCurve.Point::cost).containsExactly(1.0, 5.5, 10.0);
    }

    @Test
    void aiqAveragesTheNonDecreasingHullOverTheCostRange() {
        // (0,0.5) (0.5,0.6) (1,1): the middle point lies under the chord, so the hull is the chord; mean 0.75.
        assertThat(Aiq.of(java.util.List.of(new double[] {0, 0.5}, new double[] {0.5, 0.6}, new double[] {1, 1})))
                .isCloseTo(0.75, within(1e-12));
        // A drop after the peak is flattened: (0,0) (0.5,1) (1,0.5) -> 0.25 + 0.5.
        assertThat(Aiq.of(java.util.List.of(new double[] {0, 0}, new double[] {0.5, 1}, new double[] {1, 0.5})))
                .isCloseTo(0.75, within(1e-12));
    }
}
