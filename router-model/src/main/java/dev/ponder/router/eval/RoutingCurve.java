package dev.ponder.router.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Quality and cost of a two-tier router at every threshold, and the RouteLLM metrics over it. A row goes to the
 * strong tier when its score is above the threshold (the cascade's rule: the weak tier serves scores {@code <= t}).
 * Equal scores move together, and the curve is linear between such groups: that is the expected curve under random
 * tie-breaking, so a constant score gives exactly the random router.
 */
public final class RoutingCurve {
    /** One operating point: route to strong iff score > threshold. */
    public record Point(double threshold, double strongShare, double quality, double cost, double pgr) {}

    private final List<Point> points;
    private final double weakQuality;
    private final double strongQuality;

    private RoutingCurve(List<Point> points, double weakQuality, double strongQuality) {
        this.points = List.copyOf(points);
        this.weakQuality = weakQuality;
        this.strongQuality = strongQuality;
    }

    /**
     * @param score higher means "send to strong"
     * @param weak quality of the weak path per row
     * @param strong quality of the strong path per row
     * @param weakCost cost of the weak path per row
     * @param strongCost cost of the strong path per row (for a cascade: weak plus strong)
     */
    public static RoutingCurve of(
            double[] score, double[] weak, double[] strong, double[] weakCost, double[] strongCost) {
        int n = score.length;
        if (n == 0 || weak.length != n || strong.length != n || weakCost.length != n || strongCost.length != n) {
            throw new IllegalArgumentException("need equally long, non-empty arrays, got " + n + " scores, "
                    + weak.length + " weak, " + strong.length + " strong, " + weakCost.length + "/"
                    + strongCost.length + " costs");
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> score[i]).reversed());
        double quality = sum(weak);
        double cost = sum(weakCost);
        double weakQuality = quality / n;
        double strongQuality = sum(strong) / n;
        double gap = strongQuality - weakQuality;
        List<Point> pts = new ArrayList<>();
        pts.add(new Point(score[order[0]], 0, weakQuality, cost / n, gap == 0 ? Double.NaN : 0));
        int k = 0;
        while (k < n) {
            double s = score[order[k]];
            while (k < n && score[order[k]] == s) {
                int i = order[k];
                quality += strong[i] - weak[i];
                cost += strongCost[i] - weakCost[i];
                k++;
            }
            double threshold = k < n ? score[order[k]] : -1;
            double q = quality / n;
            pts.add(new Point(threshold, k / (double) n, q, cost / n, gap == 0 ? Double.NaN : (q - weakQuality) / gap));
        }
        return new RoutingCurve(pts, weakQuality, strongQuality);
    }

    /** Rows with no cost data: the strong tier costs 1, the weak 0, so cost is the share of strong calls. */
    public static RoutingCurve unitCost(double[] score, double[] weak, double[] strong) {
        double[] zero = new double[score.length];
        double[] one = new double[score.length];
        Arrays.fill(one, 1);
        return of(score, weak, strong, zero, one);
    }

    public List<Point> points() {
        return points;
    }

    public double weakQuality() {
        return weakQuality;
    }

    public double strongQuality() {
        return strongQuality;
    }

    /** Area under performance-gap-recovered over the share of strong calls (RouteLLM's APGR). */
    public double apgr() {
        double area = 0;
        for (int i = 1; i < points.size(); i++) {
            Point a = points.get(i - 1), b = points.get(i);
            area += (b.strongShare() - a.strongShare()) * (a.pgr() + b.pgr()) / 2;
        }
        return area;
    }

    /** Smallest share of strong calls that recovers {@code fraction} of the gap (RouteLLM's CPT), interpolated. */
    public double cpt(double fraction) {
        if (points.getFirst().pgr() >= fraction) {
            return 0;
        }
        for (int i = 1; i < points.size(); i++) {
            Point a = points.get(i - 1), b = points.get(i);
            if (b.pgr() >= fraction) {
                double t = (fraction - a.pgr()) / (b.pgr() - a.pgr());
                return a.strongShare() + t * (b.strongShare() - a.strongShare());
            }
        }
        return Double.NaN;
    }

    /** The point a threshold selects (route to strong iff score > threshold). */
    public Point at(double threshold) {
        for (Point p : points) {
            if (p.threshold() <= threshold) {
                return p;
            }
        }
        return points.getLast();
    }

    /** RouterBench's AIQ: mean of the non-decreasing convex hull of quality over the router's cost range. */
    public double aiq() {
        return Aiq.of(
                points.stream().map(p -> new double[] {p.cost(), p.quality()}).toList());
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }
}
