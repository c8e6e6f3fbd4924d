package dev.ponder.providers.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Google's Gemini API: {@code POST /v1beta/models/<model>:generateContent}, and
 * {@code :streamGenerateContent?alt=sse} for SSE chunks of the same shape (no end marker; the last chunk has the
 * finish reason and {@code usageMetadata}). Tool calls are {@code functionCall} parts with object arguments.
 * Error bodies via {@link #errorBody}. {@link #baseUrl()} ends with {@code /v1beta}; the model is reported as
 * {@code modelVersion}.
 */
public final class FakeGeminiServer extends FakeLlmServer {

    private FakeGeminiServer() {
        super("/v1beta/models", "/v1beta", "contents", "parts", "text/event-stream");
    }

    public static FakeGeminiServer start() {
        return new FakeGeminiServer();
    }

    /** Google's error body, e.g. {@code errorBody(400, "INVALID_ARGUMENT", "bad")}. */
    public static String errorBody(int code, String status, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message).put("status", status);
        return body.toString();
    }

    /**
     * What Google answers a bad API key: a 400 {@code INVALID_ARGUMENT} (not a 401) whose {@code ErrorInfo} detail
     * says {@code API_KEY_INVALID}.
     */
    public static String apiKeyInvalidBody() {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error")
                .put("code", 400)
                .put("message", "API key not valid. Please pass a valid API key.")
                .put("status", "INVALID_ARGUMENT");
        error.putArray("details")
                .addObject()
                .put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                .put("reason", "API_KEY_INVALID")
                .put("domain", "googleapis.com");
        return body.toString();
    }

    /** Gemini names the model in the path ({@code /models/<model>:generateContent}): it becomes {@code model}. */
    @Override
    protected JsonNode withUrlParameters(HttpExchange exchange, JsonNode body) {
        String path = exchange.getRequestURI().getPath();
        String model = path.substring(path.lastIndexOf('/') + 1, path.lastIndexOf(':'));
        return ((ObjectNode) body).put("model", model);
    }

    @Override
    protected boolean wantsStream(HttpExchange exchange, JsonNode request) {
        return exchange.getRequestURI().getPath().endsWith(":streamGenerateContent");
    }

    @Override
    protected void answer(HttpExchange exchange, JsonNode request, Reply reply, Usage usage) throws IOException {
        ObjectNode body = chunk(request, reply.text(), reply, true);
        usage(body, usage);
        sendJson(exchange, 200, body.toString());
    }

    @Override
    protected void stream(Stream stream, JsonNode request, Reply reply, Usage usage) throws IOException {
        for (String piece : pieces(reply.text())) {
            stream.send(event(chunk(request, piece, null, false)));
        }
        ObjectNode last = chunk(request, "", reply, true);
        usage(last, usage);
        stream.send(event(last));
    }

    /** One response or stream chunk; {@code calls} is null on text-only chunks. */
    private ObjectNode chunk(JsonNode request, String text, Reply calls, boolean finished) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode candidate = body.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content").put("role", "model");
        ArrayNode parts = content.putArray("parts");
        if (!text.isEmpty() || calls == null || calls.toolCalls().isEmpty()) {
            parts.addObject().put("text", text);
        }
        if (calls != null) {
            for (ToolCallReply call : calls.toolCalls()) {
                parts.addObject()
                        .putObject("functionCall")
                        .put("name", call.name())
                        .set("args", JSON.readTree(call.argumentsJson()));
            }
        }
        if (finished) {
            candidate.put("finishReason", "STOP");
        }
        candidate.put("index", 0);
        body.put("modelVersion", modelFor(request));
        body.put("responseId", "fake");
        return body;
    }

    private static void usage(ObjectNode body, Usage usage) {
        body.putObject("usageMetadata")
                .put("promptTokenCount", usage.inputTokens())
                .put("candidatesTokenCount", usage.outputTokens())
                .put("totalTokenCount", usage.inputTokens() + usage.outputTokens());
    }

    private static String event(ObjectNode chunk) {
        return "data: " + chunk + "\r\n\r\n";
    }
}
