package dev.ponder.router.eval;

/** One model's result on one prompt: quality in [0,1], and optionally its cost and its answer text. */
public record Outcome(double score, Double costUsd, String response) {
    public Outcome {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be in [0,1], got " + score);
        }
        if (costUsd != null && !(costUsd >= 0)) {
            throw new IllegalArgumentException("cost_usd must be >= 0, got " + costUsd);
        }
    }
}
