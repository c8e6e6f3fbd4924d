package dev.ponder.cascade;

/** USD per one million input and output tokens. A local backend may carry an operator-set price (GPU time). */
public record Price(double input, double output) {

    public static final Price FREE = new Price(0, 0);

    public Price {
        if (!(input >= 0) || !(output >= 0)) {
            throw new IllegalArgumentException(
                    "prices must be >= 0 USD per 1M tokens but were " + input + " and " + output);
        }
    }

    public double cost(TokenUsage usage) {
        return cost(usage.inputTokens(), usage.outputTokens());
    }

    /** The cost of token counts that a {@link TokenUsage} cannot hold: estimates, and sums over many calls. */
    public double cost(double inputTokens, double outputTokens) {
        return (inputTokens * input + outputTokens * output) / 1_000_000d;
    }
}
