package dev.ponder.cascade;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat request as the cascade and every backend see it: OpenAI's surface, independent of any SDK. {@code user},
 * {@code metadata}, {@code store} and {@code serviceTier} are for the upstream's bookkeeping; each backend passes on
 * what its protocol has a place for.
 */
public record ChatRequest(
        List<ChatMessage> messages,
        SamplingOptions options,
        List<ToolSpec> tools,
        ToolChoice toolChoice,
        Boolean parallelToolCalls,
        ResponseFormat responseFormat,
        String user,
        Map<String, String> metadata,
        Boolean store,
        String serviceTier) {

    public ChatRequest {
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        messages = List.copyOf(messages);
        options = options == null ? SamplingOptions.DEFAULTS : options;
        tools = tools == null ? List.of() : List.copyOf(tools);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public static ChatRequest of(List<ChatMessage> messages) {
        return new ChatRequest(messages, null, null, null, null, null, null, null, null, null);
    }

    /** The last user message's text: what routing scores and what replay looks up. */
    public String lastUserText() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == Role.USER) {
                return messages.get(i).text();
            }
        }
        return "";
    }

    public boolean hasImages() {
        return messages.stream().anyMatch(ChatMessage::hasImages);
    }

    public ChatRequest withOptions(SamplingOptions newOptions) {
        return new ChatRequest(
                messages,
                newOptions,
                tools,
                toolChoice,
                parallelToolCalls,
                responseFormat,
                user,
                metadata,
                store,
                serviceTier);
    }

    public ChatRequest withMetadata(Map<String, String> newMetadata) {
        return new ChatRequest(
                messages,
                options,
                tools,
                toolChoice,
                parallelToolCalls,
                responseFormat,
                user,
                newMetadata,
                store,
                serviceTier);
    }
}
