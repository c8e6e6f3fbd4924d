package dev.ponder.cascade;

import java.util.List;

/**
 * A backend's complete answer. {@code model} is the model that answered as the backend reports it;
 * {@code costUsd} is what the call cost (the price table applied to usage, or a recorded cost). {@code refusal} is
 * the model's refusal to answer in place of content (OpenAI's {@code message.refusal}, e.g. under structured
 * outputs), null for an answer: a value, not a failure, since the backend answered and bills it.
 */
public record ChatAnswer(
        String model,
        String text,
        List<ToolCall> toolCalls,
        FinishReason finishReason,
        TokenUsage usage,
        List<TokenLogprob> logprobs,
        double costUsd,
        String refusal) {

    public ChatAnswer {
        text = text == null ? "" : text;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        finishReason = finishReason == null
                ? (toolCalls.isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS)
                : finishReason;
        usage = usage == null ? TokenUsage.NONE : usage;
        logprobs = logprobs == null ? List.of() : List.copyOf(logprobs);
        if (!(costUsd >= 0)) {
            throw new IllegalArgumentException("costUsd must be >= 0 but was " + costUsd);
        }
        // OpenAI sends "refusal": "" (or null) beside every answer's content: only a text is a refusal.
        refusal = refusal == null || refusal.isEmpty() ? null : refusal;
    }

    /** Whether the model declined to answer. */
    public boolean refused() {
        return refusal != null;
    }
}
