package dev.ponder.router;

import java.util.Arrays;

/** A feature vector as parallel index/value arrays; an index may repeat (hash collisions simply add up). */
record SparseVector(int[] index, float[] value) {
    SparseVector {
        if (index.length != value.length) {
            throw new IllegalArgumentException(
                    "index and value lengths differ: " + index.length + " vs " + value.length);
        }
    }

    /** Accumulates entries; zero values are dropped. */
    static final class Builder {
        private int[] index = new int[64];
        private float[] value = new float[64];
        private int size;

        Builder add(int i, double v) {
            if (v == 0) {
                return this;
            }
            if (size == index.length) {
                index = Arrays.copyOf(index, size * 2);
                value = Arrays.copyOf(value, size * 2);
            }
            index[size] = i;
            value[size] = (float) v;
            size++;
            return this;
        }

        SparseVector build() {
            return new SparseVector(Arrays.copyOf(index, size), Arrays.copyOf(value, size));
        }
    }
}
