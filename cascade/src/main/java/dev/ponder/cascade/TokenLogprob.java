package dev.ponder.cascade;

/** One generated token and its log probability. */
public record TokenLogprob(String token, double logprob) {
    public TokenLogprob {
        if (Double.isNaN(logprob) || logprob > 0) {
            throw new IllegalArgumentException("logprob must be <= 0 but was " + logprob);
        }
    }
}
