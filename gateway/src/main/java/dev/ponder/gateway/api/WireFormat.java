package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.FinishReason;
import dev.ponder.cascade.TokenUsage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How an answer is rendered for the client, whole or as streamed chunks: chat completions or legacy completions. */
interface WireFormat {

    /** The whole answer: one choice per answer, indexed in order. */
    Map<String, Object> completion(String id, long created, List<ChatAnswer> choices, boolean withLogprobs);

    /**
     * What a stream sends before the first delta (the chat format's role chunks, one per choice); {@code first} is
     * the first choice's first delta, or null when it streams none.
     */
    List<Map<String, Object>> opening(Envelope envelope, Delta first);

    /** The chunk for one delta of the choice at {@code index}; null when the format has no place for it. */
    Map<String, Object> delta(Envelope envelope, int index, Delta delta);

    Map<String, Object> finish(Envelope envelope, int index, FinishReason reason);

    /** The last chunk when the client asked for usage: no choices, the usage of all of them. */
    default Map<String, Object> usage(Envelope envelope, List<ChatAnswer> choices) {
        Map<String, Object> chunk = envelope.chunk(List.of());
        chunk.put("usage", usage(choices));
        return chunk;
    }

    /** A whole answer's body around its rendered choices: the two formats differ only in {@code object} and those. */
    static Map<String, Object> body(
            String id, String object, long created, List<ChatAnswer> answers, List<Map<String, Object>> choices) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", object);
        body.put("created", created);
        body.put("model", answers.getFirst().model());
        body.put("choices", choices);
        body.put("usage", usage(answers));
        return body;
    }

    /** The tokens of every call that made the choices: each choice was its own call, so its prompt counts too. */
    static Map<String, Object> usage(List<ChatAnswer> choices) {
        TokenUsage total = choices.stream().map(ChatAnswer::usage).reduce(TokenUsage.NONE, TokenUsage::plus);
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", total.inputTokens());
        usage.put("completion_tokens", total.outputTokens());
        usage.put("total_tokens", total.total());
        return usage;
    }

    /**
     * What every chunk of one stream repeats, and what the stream was asked for: {@code choices} ({@code n}) and
     * token {@code logprobs}. OpenAI sends {@code "usage": null} on every chunk but the last when the client asked
     * for usage, and no usage field otherwise.
     */
    record Envelope(
            String id, String object, long created, String model, boolean includeUsage, boolean logprobs, int choices) {

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
