package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.FinishReason;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How an answer is rendered for the client, whole or as streamed chunks: chat completions or legacy completions. */
interface WireFormat {

    Map<String, Object> completion(String id, long created, ChatAnswer answer, boolean withLogprobs);

    /** What a stream sends before the first delta (the chat format's role chunk). */
    List<Map<String, Object>> opening(Envelope envelope);

    Map<String, Object> delta(Envelope envelope, Delta delta);

    Map<String, Object> finish(Envelope envelope, FinishReason reason);

    /** The last chunk when the client asked for usage: no choices, the usage of the answer. */
    default Map<String, Object> usage(Envelope envelope, ChatAnswer answer) {
        Map<String, Object> chunk = envelope.chunk(List.of());
        chunk.put("usage", usage(answer));
        return chunk;
    }

    static Map<String, Object> usage(ChatAnswer answer) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", answer.usage().inputTokens());
        usage.put("completion_tokens", answer.usage().outputTokens());
        usage.put("total_tokens", answer.usage().total());
        return usage;
    }

    /**
     * What every chunk of one stream repeats. OpenAI sends {@code "usage": null} on every chunk but the last when
     * the client asked for usage, and no usage field otherwise.
     */
    record Envelope(String id, String object, long created, String model, boolean includeUsage) {

        Map<String, Object> chunk(List<Map<String, Object>> choices) {
            Map<String, Object> chunk = new LinkedHashMap<>();
            chunk.put("id", id);
            chunk.put("object", object);
            chunk.put("created", created);
            chunk.put("model", model);
            chunk.put("system_fingerprint", null);
            chunk.put("choices", choices);
            if (includeUsage) {
                chunk.put("usage", null);
            }
            return chunk;
        }
    }
}
