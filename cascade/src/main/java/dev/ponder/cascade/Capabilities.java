package dev.ponder.cascade;

/** What a backend accepts: the cascade skips tiers that cannot serve a request. */
public record Capabilities(boolean images, boolean tools, boolean logprobs, int contextTokens) {

    public static final Capabilities TEXT_ONLY = new Capabilities(false, false, false, 8192);

    public Capabilities {
        if (contextTokens < 1) {
            throw new IllegalArgumentException("contextTokens must be >= 1 but was " + contextTokens);
        }
    }

    /** Whether a request can be sent here at all. */
    public boolean accepts(ChatRequest request) {
        return (images || !request.hasImages()) && (tools || request.tools().isEmpty());
    }
}
