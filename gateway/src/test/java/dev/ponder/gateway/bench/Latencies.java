package dev.ponder.gateway.bench;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of a set of durations (nearest rank, exact: every sample is kept), in milliseconds. */
record Latencies(int count, double p50, double p90, double p99, double max) {

    static final Latencies NONE = new Latencies(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    static Latencies ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            return NONE;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Latencies(
                sorted.length,
                rank(sorted, 0.50) / 1e6,
                rank(sorted, 0.90) / 1e6,
                rank(sorted, 0.99) / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    private static long rank(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, index)];
    }

    /** Each percentile of this minus the same percentile of {@code base}: what a hop adds at that rank. */
    Latencies minus(Latencies base) {
        return new Latencies(count, p50 - base.p50, p90 - base.p90, p99 - base.p99, max - base.max);
    }

    String row() {
        return count == 0
                ? "| – | – | – | – |"
                : String.format(Locale.ROOT, "| %.2f | %.2f | %.2f | %.2f |", p50, p90, p99, max);
    }
}
