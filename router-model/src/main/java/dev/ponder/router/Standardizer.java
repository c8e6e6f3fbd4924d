package dev.ponder.router;

import java.util.List;

/** Centres and scales dense features with statistics from the training rows. */
record Standardizer(double[] mean, double[] scale) {
    Standardizer {
        if (mean.length != scale.length) {
            throw new IllegalArgumentException("mean and scale lengths differ: " + mean.length + " vs " + scale.length);
        }
        for (double s : scale) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("scales must be positive, got " + s);
            }
        }
    }

    static Standardizer fit(List<double[]> rows) {
        int d = rows.getFirst().length;
        double[] mean = new double[d];
        double[] sq = new double[d];
        for (double[] r : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= rows.size();
        }
        for (double[] r : rows) {
            for (int j = 0; j < d; j++) {
                sq[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
            }
        }
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            // A constant feature keeps scale 1 so it standardizes to 0 instead of dividing by zero.
            double sd = Math.sqrt(sq[j] / rows.size());
            scale[j] = sd > 1e-9 ? sd : 1;
        }
        return new Standardizer(mean, scale);
    }

    /** Standardized value, clipped so that one freak prompt cannot dominate the score. */
    double apply(int j, double raw) {
        return Math.clamp((raw - mean[j]) / scale[j], -5, 5);
    }

    int size() {
        return mean.length;
    }
}
