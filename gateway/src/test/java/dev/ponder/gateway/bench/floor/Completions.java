package dev.ponder.gateway.bench.floor;

import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The floor applications' one endpoint, whatever serves it: the OpenAI request read with Jackson 3 as the gateway
 * does, its last message sent upstream, and the answer written as a {@code chat.completion}.
 */
final class Completions {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private Completions() {}

    /** What the upstream model answered. */
    record Answer(String model, String text, int promptTokens, int completionTokens) {}

    /** The whole endpoint: the request's last message to {@code upstream}, its answer as a chat completion. */
    static byte[] complete(byte[] body, Upstream upstream) {
        JsonNode messages = JSON.readTree(body).path("messages");
        String prompt = messages.path(messages.size() - 1).path("content").asString();
        if (prompt.isBlank()) {
            throw new IllegalArgumentException("a chat completion needs a message");
        }
        return write("chatcmpl-" + UUID.randomUUID(), upstream.complete(prompt));
    }

    private static byte[] write(String id, Answer answer) {
        ObjectNode completion = JSON.createObjectNode()
                .put("id", id)
                .put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", answer.model());
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", answer.text());
        choice.put("finish_reason", "stop");
        completion
                .putObject("usage")
                .put("prompt_tokens", answer.promptTokens())
                .put("completion_tokens", answer.completionTokens())
                .put("total_tokens", answer.promptTokens() + answer.completionTokens());
        return JSON.writeValueAsBytes(completion);
    }
}
