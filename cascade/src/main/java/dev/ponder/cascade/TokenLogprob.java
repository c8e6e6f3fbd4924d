package dev.ponder.cascade;

import java.util.List;

/**
 * One generated token and its log probability; {@code top} holds the most likely alternatives at that position
 * (OpenAI's {@code top_logprobs}, the chosen token usually among them), empty when none were asked for.
 */
public record TokenLogprob(String token, double logprob, List<TokenLogprob> top) {
    public TokenLogprob {
        if (Double.isNaN(logprob) || logprob > 0) {
            throw new IllegalArgumentException("logprob must be <= 0 but was " + logprob);
        }
        top = top == null ? List.of() : List.copyOf(top);
    }

    public TokenLogprob(String token, double logprob) {
        this(token, logprob, List.of());
    }
}
