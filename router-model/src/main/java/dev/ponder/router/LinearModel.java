package dev.ponder.router;

/** Logistic regression weights over a {@link SparseVector} layout. */
record LinearModel(float[] weights, double bias) {
    LinearModel {
        if (weights.length == 0) {
            throw new IllegalArgumentException("a model needs at least one weight, got 0");
        }
        if (!Double.isFinite(bias)) {
            throw new IllegalArgumentException("bias must be finite, got " + bias);
        }
    }

    double margin(SparseVector x) {
        double z = bias;
        int[] idx = x.index();
        float[] val = x.value();
        for (int k = 0; k < idx.length; k++) {
            z += weights[idx[k]] * val[k];
        }
        return z;
    }

    double probability(SparseVector x) {
        return sigmoid(margin(x));
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
