package dev.ponder.cascade;

import java.util.List;

/**
 * Generation knobs; a null field means "the backend's default". The token cap is OpenAI's {@code max_tokens};
 * {@code maxTokensAsCompletionTokens} says the client named it {@code max_completion_tokens}, the only name OpenAI's
 * reasoning models (o-series, GPT-5) accept.
 */
public record SamplingOptions(
        Double temperature,
        Double topP,
        Integer maxTokens,
        List<String> stop,
        Long seed,
        Integer n,
        Boolean logprobs,
        Integer topLogprobs,
        Double presencePenalty,
        Double frequencyPenalty,
        boolean maxTokensAsCompletionTokens) {

    public static final SamplingOptions DEFAULTS =
            new SamplingOptions(null, null, null, null, null, null, null, null, null, null, false);

    public SamplingOptions {
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1 but was " + maxTokens);
        }
        if (n != null && n < 1) {
            throw new IllegalArgumentException("n must be >= 1 but was " + n);
        }
    }

    /** The same options asking for token logprobs, which the IDK check reads when a backend offers them. */
    public SamplingOptions withLogprobs() {
        return new SamplingOptions(
                temperature,
                topP,
                maxTokens,
                stop,
                seed,
                n,
                true,
                topLogprobs,
                presencePenalty,
                frequencyPenalty,
                maxTokensAsCompletionTokens);
    }
}
