package dev.ponder.router.eval;

import java.util.List;

/**
 * Picks a routing threshold for an operator's target on calibration rows: either a share of strong calls, or
 * "quality >= Y x always-strong with confidence 1 - delta". The latter is Learn-then-Test with fixed-sequence testing
 * (as CALM guarantees its early exits): thresholds are tested from all-strong towards all-weak, each against the null
 * "loss > alpha", and the last one rejected in sequence is kept. The loss of a row is the quality it gives up against
 * the strong tier; with 0/1 scores its p-value is the exact binomial tail, otherwise Hoeffding's.
 */
public final class Calibration {
    /** The chosen threshold and what it achieves on the calibration rows. */
    public record Result(
            String target,
            double threshold,
            double strongShare,
            double qualityRatio,
            double lossUpperBound,
            double guaranteedRatio,
            boolean guaranteed) {}

    private Calibration() {}

    /** The threshold closest to sending {@code share} of the rows to the strong tier. */
    public static Result forStrongShare(RoutingCurve curve, double share) {
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("strong share must be in [0,1], got " + share);
        }
        RoutingCurve.Point best = curve.points().getFirst();
        for (RoutingCurve.Point p : curve.points()) {
            if (Math.abs(p.strongShare() - share) < Math.abs(best.strongShare() - share)) {
                best = p;
            }
        }
        return new Result(
                "strong_share=" + share,
                best.threshold(),
                best.strongShare(),
                best.quality() / curve.strongQuality(),
                Double.NaN,
                Double.NaN,
                false);
    }

    /**
     * @param score router score per row (higher = strong)
     * @param weak quality of the weak path per row
     * @param strong quality of the strong path per row
     */
    public static Result forQuality(double[] score, double[] weak, double[] strong, double ratio, double delta) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("quality ratio must be in (0,1], got " + ratio);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0,1), got " + delta);
        }
        int n = score.length;
        RoutingCurve curve = RoutingCurve.unitCost(score, weak, strong);
        double alpha = (1 - ratio) * curve.strongQuality();
        boolean binary = isBinary(weak) && isBinary(strong);
        List<RoutingCurve.Point> points = curve.points();
        Result chosen = new Result(target(ratio, delta), -1, 1, 1, 0, 1, false);
        for (int i = points.size() - 1; i >= 0; i--) {
            double t = points.get(i).threshold();
            double lossSum = 0;
            for (int r = 0; r < n; r++) {
                if (score[r] <= t) {
                    lossSum += Math.max(0, strong[r] - weak[r]);
                }
            }
            double pValue =
                    binary ? Binomial.cdf((int) Math.round(lossSum), n, alpha) : hoeffding(lossSum / n, alpha, n);
            if (pValue > delta) {
                break;
            }
            double bound = binary
                    ? Binomial.upperBound((int) Math.round(lossSum), n, delta)
                    : lossSum / n + Math.sqrt(Math.log(1 / delta) / (2.0 * n));
            RoutingCurve.Point p = points.get(i);
            chosen = new Result(
                    target(ratio, delta),
                    t,
                    p.strongShare(),
                    p.quality() / curve.strongQuality(),
                    bound,
                    1 - bound / curve.strongQuality(),
                    true);
        }
        return chosen;
    }

    private static String target(double ratio, double delta) {
        return "quality>=" + ratio + "*strong@delta=" + delta;
    }

    private static double hoeffding(double mean, double alpha, int n) {
        return mean >= alpha ? 1 : Math.exp(-2 * n * (alpha - mean) * (alpha - mean));
    }

    private static boolean isBinary(double[] a) {
        for (double v : a) {
            if (v != 0 && v != 1) {
                return false;
            }
        }
        return true;
    }
}
