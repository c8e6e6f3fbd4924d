package dev.ponder.router.eval;

/** Binomial tail and Clopper-Pearson bound, in log space so that thousands of trials do not underflow. */
final class Binomial {
    private Binomial() {}

    /** P(X <= k) for X ~ Binomial(n, p). */
    static double cdf(int k, int n, double p) {
        if (k >= n || p <= 0) {
            return 1;
        }
        if (p >= 1) {
            return 0;
        }
        double logPmf = n * Math.log1p(-p);
        double logRatio = Math.log(p) - Math.log1p(-p);
        double max = logPmf;
        double[] terms = new double[k + 1];
        terms[0] = logPmf;
        for (int i = 0; i < k; i++) {
            logPmf += Math.log((n - i) / (double) (i + 1)) + logRatio;
            terms[i + 1] = logPmf;
            max = Math.max(max, logPmf);
        }
        double sum = 0;
        for (double t : terms) {
            sum += Math.exp(t - max);
        }
        return Math.min(1, Math.exp(max) * sum);
    }

    /** The p at which P(X <= k) = delta: an upper confidence bound on the rate, at level 1 - delta. */
    static double upperBound(int k, int n, double delta) {
        if (k >= n) {
            return 1;
        }
        double lo = k / (double) n, hi = 1;
        for (int it = 0; it < 60; it++) {
            double mid = (lo + hi) / 2;
            if (cdf(k, n, mid) > delta) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }
}
