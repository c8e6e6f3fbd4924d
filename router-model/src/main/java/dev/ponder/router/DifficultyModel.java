package dev.ponder.router;

/**
 * The difficulty score of a prompt's features. With one head it is P(the weak tier's answer is not good enough). With
 * a second head for the strong tier it is the expected gain of calling the strong tier, as Hybrid LLM routes on it:
 * P(weak fails) - P(strong fails), mapped to (1 + gain) / 2 so that every score stays in [0,1] and higher still means
 * "send it up". Without the second head a prompt both tiers fail looks as worth escalating as one only the strong
 * tier gets right.
 */
record DifficultyModel(LinearModel weakFailure, LinearModel strongFailure) {
    DifficultyModel {
        if (weakFailure == null) {
            throw new IllegalArgumentException("weakFailure must not be null");
        }
        if (strongFailure != null && strongFailure.weights().length != weakFailure.weights().length) {
            throw new IllegalArgumentException("the two heads need the same features, got "
                    + weakFailure.weights().length + " and " + strongFailure.weights().length + " weights");
        }
    }

    double score(SparseVector x) {
        double weak = weakFailure.probability(x);
        return strongFailure == null ? weak : (1 + weak - strongFailure.probability(x)) / 2;
    }

    int dimension() {
        return weakFailure.weights().length;
    }
}
