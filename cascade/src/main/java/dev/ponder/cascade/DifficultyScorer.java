package dev.ponder.cascade;

/** Predicts how hard a request is: 0 = any tier will do, 1 = only the top tier will. */
@FunctionalInterface
public interface DifficultyScorer {

    double score(ChatRequest request);
}
