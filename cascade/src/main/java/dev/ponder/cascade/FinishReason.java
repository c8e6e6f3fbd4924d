package dev.ponder.cascade;

/** Why generation stopped, in OpenAI's vocabulary. */
public enum FinishReason {
    STOP,
    LENGTH,
    TOOL_CALLS,
    CONTENT_FILTER;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
