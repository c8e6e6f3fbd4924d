package dev.ponder.router.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * RouterBench's Average Improvement in Quality: the area under the non-decreasing upper convex hull of (cost,
 * quality) points, divided by the cost range they span.
 */
public final class Aiq {
    private Aiq() {}

    /** @param points pairs {cost, quality} */
    public static double of(List<double[]> points) {
        List<double[]> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
        double lo = sorted.getFirst()[0];
        double hi = sorted.getLast()[0];
        if (hi <= lo) {
            return sorted.stream().mapToDouble(p -> p[1]).max().orElseThrow();
        }
        List<double[]> hull = new ArrayList<>();
        for (double[] p : sorted) {
            // Upper hull (monotone chain): drop the last point while it lies on or below the new chord.
            while (hull.size() >= 2 && cross(hull.get(hull.size() - 2), hull.getLast(), p) >= 0) {
                hull.removeLast();
            }
            hull.add(p);
        }
        double area = 0;
        double best = hull.getFirst()[1];
        for (int i = 1; i < hull.size(); i++) {
            double[] a = hull.get(i - 1), b = hull.get(i);
            double qa = Math.max(best, a[1]);
            best = Math.max(best, b[1]);
            area += (b[0] - a[0]) * (qa + best) / 2;
        }
        return area / (hi - lo);
    }

    private static double cross(double[] o, double[] a, double[] b) {
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    }
}
