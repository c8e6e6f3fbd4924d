package dev.ponder.providers.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Ollama's native chat API: {@code POST /api/chat}, one JSON object, or NDJSON lines when {@code stream} is true
 * or absent (Ollama streams by default), the last with {@code done: true} and the token counts
 * ({@code prompt_eval_count}, {@code eval_count}). Tool calls carry their arguments as a JSON object. Ollama's
 * error body is {@code {"error": "..."}}; see {@link #errorBody}.
 */
public final class FakeOllamaServer extends FakeLlmServer {

    private FakeOllamaServer() {
        super("/api/", "", "messages", "content", "application/x-ndjson");
    }

    public static FakeOllamaServer start() {
        return new FakeOllamaServer();
    }

    public static String errorBody(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }

    @Override
    protected boolean wantsStream(HttpExchange exchange, JsonNode request) {
        return request.path("stream").asBoolean(true);
    }

    @Override
    protected void answer(HttpExchange exchange, JsonNode request, Reply reply, Usage usage) throws IOException {
        ObjectNode body = line(request, reply.text(), true);
        toolCalls(body, reply);
        done(body, usage);
        sendJson(exchange, 200, body.toString());
    }

    @Override
    protected void stream(Stream stream, JsonNode request, Reply reply, Usage usage) throws IOException {
        for (String piece : pieces(reply.text())) {
            stream.send(line(request, piece, false) + "\n");
        }
        if (!reply.toolCalls().isEmpty()) {
            // Ollama sends tool calls whole, in one line before the final one.
            ObjectNode calls = line(request, "", false);
            toolCalls(calls, reply);
            stream.send(calls + "\n");
        }
        ObjectNode last = line(request, "", true);
        done(last, usage);
        stream.send(last + "\n");
    }

    private ObjectNode line(JsonNode request, String content, boolean done) {
        ObjectNode line = JSON.createObjectNode()
                .put("model", modelFor(request))
                .put("created_at", "2026-01-01T00:00:00.000000Z");
        line.putObject("message").put("role", "assistant").put("content", content);
        line.put("done", done);
        return line;
    }

    private static void toolCalls(ObjectNode line, Reply reply) {
        if (reply.toolCalls().isEmpty()) {
            return;
        }
        ArrayNode calls = ((ObjectNode) line.get("message")).putArray("tool_calls");
        for (ToolCallReply call : reply.toolCalls()) {
            calls.addObject()
                    .putObject("function")
                    .put("name", call.name())
                    .set("arguments", JSON.readTree(call.argumentsJson()));
        }
    }

    private static void done(ObjectNode line, Usage usage) {
        line.put("done_reason", "stop")
                .put("total_duration", 1_000_000L)
                .put("load_duration", 1_000L)
                .put("prompt_eval_count", usage.inputTokens())
                .put("prompt_eval_duration", 1_000L)
                .put("eval_count", usage.outputTokens())
                .put("eval_duration", 1_000L);
    }
}
