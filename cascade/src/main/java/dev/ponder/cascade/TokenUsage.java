package dev.ponder.cascade;

/** Tokens one call consumed. */
public record TokenUsage(int inputTokens, int outputTokens) {

    public static final TokenUsage NONE = new TokenUsage(0, 0);

    public TokenUsage {
        if (inputTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException(
                    "token counts must be >= 0 but were " + inputTokens + " and " + outputTokens);
        }
    }

    /**
     * Tokens no backend counted (a stream cut short, a replayed answer): the request's messages in, so many characters
     * of answer out, each at {@link #estimate(CharSequence) about four characters a token}.
     */
    public static TokenUsage estimated(ChatRequest request, int outputCharacters) {
        int input = request.messages().stream()
                .mapToInt(message -> estimate(message.text()))
                .sum();
        return new TokenUsage(input, estimate(outputCharacters));
    }

    /** About 4 characters a token, as for English text with OpenAI's tokenisers; at least 1 for any text. */
    public static int estimate(CharSequence text) {
        return estimate(text.length());
    }

    private static int estimate(int characters) {
        return characters == 0 ? 0 : Math.max(1, (characters + 3) / 4);
    }

    public int total() {
        return inputTokens + outputTokens;
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(inputTokens + other.inputTokens, outputTokens + other.outputTokens);
    }
}
