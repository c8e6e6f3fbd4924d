package dev.ponder.router;

import java.util.List;

/** Fits a logistic model's weights to soft-labelled examples. */
sealed interface LinearTrainer permits LogisticTrainer, NewtonTrainer {
    LinearModel fit(List<LogisticTrainer.Example> examples, int dimension);
}
