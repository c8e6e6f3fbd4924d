package dev.ponder.router;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Logistic regression with soft labels, fitted by AdaGrad SGD over a seeded shuffle. Single-threaded and in a fixed
 * order, so one seed always gives bit-identical weights.
 */
record LogisticTrainer(long seed, int epochs, double learningRate, double l2) implements LinearTrainer {
    LogisticTrainer {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
        if (!(l2 >= 0)) {
            throw new IllegalArgumentException("l2 must be >= 0, got " + l2);
        }
    }

    /** A training example: features and the target probability in [0,1]. */
    record Example(SparseVector x, double y) {
        Example {
            if (!(y >= 0 && y <= 1)) {
                throw new IllegalArgumentException("label must be in [0,1], got " + y);
            }
        }
    }

    @Override
    public LinearModel fit(List<Example> examples, int dimension) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("cannot train on 0 examples");
        }
        double[] w = new double[dimension];
        double[] g2 = new double[dimension];
        double b = 0;
        double bg2 = 0;
        int[] order = new int[examples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int epoch = 0; epoch < epochs; epoch++) {
            shuffle(order, random);
            for (int i : order) {
                Example e = examples.get(i);
                int[] idx = e.x().index();
                float[] val = e.x().value();
                double z = b;
                for (int k = 0; k < idx.length; k++) {
                    z += w[idx[k]] * val[k];
                }
                double err = LinearModel.sigmoid(z) - e.y();
                for (int k = 0; k < idx.length; k++) {
                    int j = idx[k];
                    // L2 is applied lazily, only to the coordinates this example touches.
                    double g = err * val[k] + l2 * w[j];
                    g2[j] += g * g;
                    w[j] -= learningRate * g / (Math.sqrt(g2[j]) + 1e-8);
                }
                bg2 += err * err;
                b -= learningRate * err / (Math.sqrt(bg2) + 1e-8);
            }
        }
        float[] weights = new float[dimension];
        for (int j = 0; j < dimension; j++) {
            weights[j] = (float) w[j];
        }
        return new LinearModel(weights, b);
    }

    private static void shuffle(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
