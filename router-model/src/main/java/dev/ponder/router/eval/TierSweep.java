package dev.ponder.router.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A multi-tier policy: one difficulty score and N-1 thresholds; a row starts at the first tier whose threshold is
 * {@code >=} its score, else at the last tier (the rule of the cascade's CascadePolicy.startTier). The thresholds are
 * swept over a grid of score quantiles (non-decreasing tuples) and each tuple gives one (cost, quality) point.
 */
public final class TierSweep {
    /** One threshold tuple and what it gives; {@code shares[i]} is the fraction of rows starting at tier i. */
    public record Point(double[] thresholds, double[] shares, double quality, double cost) {}

    private static final int GRID = 20;

    private TierSweep() {}

    /** Where a row with {@code score} starts, given the tier thresholds. */
    public static int startTier(double score, double[] thresholds) {
        for (int i = 0; i < thresholds.length; i++) {
            if (score <= thresholds[i]) {
                return i;
            }
        }
        return thresholds.length;
    }

    /**
     * @param score difficulty per row
     * @param quality quality[row][tier]
     * @param cost cost[row][tier]
     */
    public static List<Point> sweep(double[] score, double[][] quality, double[][] cost) {
        int n = score.length;
        int tiers = quality[0].length;
        if (tiers < 2) {
            throw new IllegalArgumentException("a tier policy needs at least 2 tiers, got " + tiers);
        }
        double[] sorted = score.clone();
        Arrays.sort(sorted);
        double[] grid = new double[GRID + 1];
        grid[0] = -1;
        for (int g = 1; g <= GRID; g++) {
            grid[g] = sorted[Math.min(n - 1, (int) Math.ceil(g / (double) GRID * n) - 1)];
        }
        List<Point> points = new ArrayList<>();
        collect(new int[tiers - 1], 0, 0, grid, score, quality, cost, points);
        return points;
    }

    private static void collect(
            int[] pick,
            int depth,
            int from,
            double[] grid,
            double[] score,
            double[][] quality,
            double[][] cost,
            List<Point> out) {
        if (depth == pick.length) {
            double[] t = new double[pick.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = grid[pick[i]];
            }
            out.add(evaluate(t, score, quality, cost));
            return;
        }
        for (int g = from; g < grid.length; g++) {
            pick[depth] = g;
            collect(pick, depth + 1, g, grid, score, quality, cost, out);
        }
    }

    /** Quality and cost of one threshold tuple. */
    public static Point evaluate(double[] thresholds, double[] score, double[][] quality, double[][] cost) {
        int n = score.length;
        double[] shares = new double[thresholds.length + 1];
        double q = 0, c = 0;
        for (int r = 0; r < n; r++) {
            int tier = startTier(score[r], thresholds);
            shares[tier] += 1.0 / n;
            q += quality[r][tier];
            c += cost[r][tier];
        }
        return new Point(thresholds, shares, q / n, c / n);
    }

    /** The points no other point beats on both cost and quality, by rising cost. */
    public static List<Point> frontier(List<Point> points) {
        List<Point> byCost = new ArrayList<>(points);
        byCost.sort(Comparator.comparingDouble(Point::cost)
                .thenComparing(Comparator.comparingDouble(Point::quality).reversed()));
        List<Point> out = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (Point p : byCost) {
            if (p.quality() > best) {
                out.add(p);
                best = p.quality();
            }
        }
        return out;
    }

    public static double aiq(List<Point> points) {
        return Aiq.of(
                points.stream().map(p -> new double[] {p.cost(), p.quality()}).toList());
    }
}
