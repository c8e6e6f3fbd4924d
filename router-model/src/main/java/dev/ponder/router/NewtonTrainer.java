package dev.ponder.router;

import java.util.Arrays;
import java.util.List;

/**
 * Logistic regression with soft labels fitted to convergence by Newton's method: it minimises the mean log loss plus
 * {@code l2/2 |w|^2} (the bias is not penalised) over every column standardized on the training rows, then folds that
 * standardization back into the weights. The fold is exact (no clipping follows it), so the model scores the
 * featurizer's own output and costs one dot product as before. Deterministic: no seed, a fixed order of sums.
 *
 * <p>The Hessian is a dense (d+1)^2 matrix, so this is for dense feature sets (the lexical descriptors and the
 * embedding); hashed n-grams stay with {@link LogisticTrainer}.
 */
record NewtonTrainer(double l2) implements LinearTrainer {
    /** Beyond this many features the Hessian (8 bytes * d^2) and its n * d^2 products stop being cheap. */
    static final int MAX_DIMENSION = 2048;

    private static final int MAX_ITERATIONS = 100;
    /** Stop when half the squared Newton decrement, the predicted loss reduction, is below this. */
    private static final double TOLERANCE = 1e-12;

    NewtonTrainer {
        if (!(l2 > 0 && Double.isFinite(l2))) {
            // Without L2, separable data has no finite optimum and a constant column leaves the Hessian singular.
            throw new IllegalArgumentException("newton l2 must be > 0, got " + l2);
        }
    }

    @Override
    public LinearModel fit(List<LogisticTrainer.Example> examples, int dimension) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("cannot train on 0 examples");
        }
        if (dimension > MAX_DIMENSION) {
            throw new IllegalArgumentException("a newton fit takes at most " + MAX_DIMENSION + " features, got "
                    + dimension + " (hashed n-grams need the sgd fit)");
        }
        int n = examples.size();
        int p = dimension + 1; // the last column is the bias's constant 1
        double[][] x = new double[n][p];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            LogisticTrainer.Example e = examples.get(i);
            int[] idx = e.x().index();
            float[] val = e.x().value();
            for (int k = 0; k < idx.length; k++) {
                x[i][idx[k]] += val[k];
            }
            y[i] = e.y();
        }
        // The bias column is still all 0 here, so it gets mean 0 and scale 1.
        Standardizer columns = Standardizer.fit(Arrays.asList(x));
        for (double[] r : x) {
            for (int j = 0; j < dimension; j++) {
                r[j] = (r[j] - columns.mean()[j]) / columns.scale()[j];
            }
            r[dimension] = 1;
        }
        double[] v = minimise(x, y, p);
        float[] weights = new float[dimension];
        double bias = v[dimension];
        for (int j = 0; j < dimension; j++) {
            weights[j] = (float) (v[j] / columns.scale()[j]);
            // With the stored (float) weight, the rounding error scales with x - mean, not with x.
            bias -= weights[j] * columns.mean()[j];
        }
        return new LinearModel(weights, bias);
    }

    private double[] minimise(double[][] x, double[] y, int p) {
        double[] v = new double[p];
        double[] z = new double[x.length];
        double loss = loss(x, y, v, z);
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double[] gradient = new double[p];
            double[] hessian = new double[p * p];
            for (int i = 0; i < x.length; i++) {
                double q = LinearModel.sigmoid(z[i]);
                double[] r = x[i];
                double err = (q - y[i]) / x.length;
                double h = q * (1 - q) / x.length;
                for (int a = 0; a < p; a++) {
                    gradient[a] += err * r[a];
                    double ha = h * r[a];
                    int row = a * p;
                    for (int b = a; b < p; b++) {
                        hessian[row + b] += ha * r[b];
                    }
                }
            }
            for (int a = 0; a < p - 1; a++) {
                gradient[a] += l2 * v[a];
                hessian[a * p + a] += l2;
            }
            double[] step = solve(hessian, gradient, p);
            double decrement = 0;
            for (int a = 0; a < p; a++) {
                decrement += gradient[a] * step[a];
            }
            if (decrement / 2 < TOLERANCE) {
                return v;
            }
            // Backtracking (Armijo): a full Newton step can overshoot far from the optimum.
            double t = 1;
            double[] next = new double[p];
            double[] nextZ = new double[x.length];
            while (true) {
                for (int a = 0; a < p; a++) {
                    next[a] = v[a] - t * step[a];
                }
                double nextLoss = loss(x, y, next, nextZ);
                if (nextLoss <= loss - 0.25 * t * decrement || t < 1e-10) {
                    v = next;
                    z = nextZ;
                    loss = nextLoss;
                    break;
                }
                t /= 2;
            }
        }
        throw new IllegalStateException("newton fit did not converge in " + MAX_ITERATIONS + " iterations");
    }

    /** Mean log loss plus the L2 term at {@code v}; fills {@code z} with the margins. */
    private double loss(double[][] x, double[] y, double[] v, double[] z) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double m = 0;
            double[] r = x[i];
            for (int a = 0; a < v.length; a++) {
                m += v[a] * r[a];
            }
            z[i] = m;
            // log(1 + e^m) - y m, written to stay finite for large |m|
            sum += Math.max(m, 0) + Math.log1p(Math.exp(-Math.abs(m))) - y[i] * m;
        }
        double penalty = 0;
        for (int a = 0; a < v.length - 1; a++) {
            penalty += v[a] * v[a];
        }
        return sum / x.length + l2 / 2 * penalty;
    }

    /** Solves H s = g for symmetric positive definite H, given by its upper triangle, by Cholesky. */
    private static double[] solve(double[] h, double[] g, int p) {
        double[] l = new double[p * p]; // lower triangle: H = L L^T
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                double s = h[j * p + i];
                for (int k = 0; k < j; k++) {
                    s -= l[i * p + k] * l[j * p + k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalStateException("the Hessian is not positive definite at column " + i);
                    }
                    l[i * p + i] = Math.sqrt(s);
                } else {
                    l[i * p + j] = s / l[j * p + j];
                }
            }
        }
        double[] u = new double[p];
        for (int i = 0; i < p; i++) {
            double s = g[i];
            for (int k = 0; k < i; k++) {
                s -= l[i * p + k] * u[k];
            }
            u[i] = s / l[i * p + i];
        }
        double[] s = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double t = u[i];
            for (int k = i + 1; k < p; k++) {
                t -= l[k * p + i] * s[k];
            }
            s[i] = t / l[i * p + i];
        }
        return s;
    }
}
