package dev.ponder.router.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Calibrates every threshold of an N-tier policy (a row starts at the first tier whose threshold is {@code >=} its
 * score, the top tier takes the rest) for "quality >= Y x the top tier's, with confidence 1 - delta".
 *
 * <p>Each lower tier i is tested on its own rows, those where both its quality and the top tier's are known, with
 * {@link Calibration#forQuality} (Learn-then-Test, fixed sequence) at an equal share of the loss, (1 - Y) / (N - 1),
 * and of the error, delta / (N - 1). A row that starts at tier i was scored {@code <= t_i} and losses against the top
 * tier are never negative, so tier i's band loses no more than all the rows under t_i would; summing over the tiers
 * (a union bound), the start-tier routing as a whole gives up at most (1 - Y) of the top tier's quality with
 * probability at least 1 - delta, provided every tier was calibrated and its rows are exchangeable with the traffic
 * it will see. The thresholds are then made to rise: lifting t_i to t_(i-1) only empties tier i's band, which keeps
 * the bound.
 */
public final class TierCalibration {

    /** One lower tier's calibration rows: router scores, that tier's quality and the top tier's on the same rows. */
    public record Rows(double[] score, double[] quality, double[] top) {
        public Rows {
            if (quality.length != score.length || top.length != score.length) {
                throw new IllegalArgumentException("need equally long arrays, got " + score.length + " scores, "
                        + quality.length + " tier and " + top.length + " top-tier qualities");
            }
        }

        int size() {
            return score.length;
        }
    }

    /**
     * What tier {@code tier} got: its threshold after the rise, and its own test ({@code null} when it had no rows,
     * so that its configured threshold was kept).
     */
    public record Tier(int tier, int rows, double threshold, Calibration.Result test) {
        public boolean calibrated() {
            return test != null;
        }
    }

    /** The policy's thresholds, one per lower tier, and how each was found. */
    public record Result(List<Double> thresholds, List<Tier> tiers, double ratio, double delta) {
        /** Whether the whole bound holds: every tier was calibrated and passed its test. */
        public boolean guaranteed() {
            return tiers.stream().allMatch(t -> t.calibrated() && t.test().guaranteed());
        }
    }

    private TierCalibration() {}

    /**
     * @param lowerTiers the rows of tiers 0 .. N-2, cheapest first
     * @param configured the policy's current thresholds, kept for a tier without rows
     * @param ratio Y, the share of the top tier's quality to keep
     * @param delta the chance the bound may fail
     */
    public static Result calibrate(List<Rows> lowerTiers, List<Double> configured, double ratio, double delta) {
        if (lowerTiers.isEmpty() || lowerTiers.size() != configured.size()) {
            throw new IllegalArgumentException("need rows for each of the " + configured.size()
                    + " lower tiers (one per threshold), got " + lowerTiers.size());
        }
        int k = lowerTiers.size();
        double tierRatio = 1 - (1 - ratio) / k;
        double tierDelta = delta / k;
        List<Double> thresholds = new ArrayList<>();
        List<Tier> tiers = new ArrayList<>();
        double floor = 0;
        for (int i = 0; i < k; i++) {
            Rows rows = lowerTiers.get(i);
            Calibration.Result test = rows.size() == 0
                    ? null
                    : Calibration.forQuality(rows.score(), rows.quality(), rows.top(), tierRatio, tierDelta);
            double own = test == null ? configured.get(i) : test.threshold();
            double t = Math.max(floor, Math.min(1, own));
            floor = t;
            thresholds.add(t);
            tiers.add(new Tier(i, rows.size(), t, test));
        }
        return new Result(List.copyOf(thresholds), List.copyOf(tiers), ratio, delta);
    }
}
