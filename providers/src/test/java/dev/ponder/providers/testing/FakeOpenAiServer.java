package dev.ponder.providers.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Chat Completions API: {@code POST /v1/chat/completions}, JSON or SSE ({@code stream: true}, ending
 * with {@code data: [DONE]}; a usage chunk when {@code stream_options.include_usage}), tool calls, refusals
 * ({@code message.refusal} with null content; streamed as {@code delta.refusal} pieces), token logprobs
 * when {@code logprobs: true} (with {@code top_logprobs} alternatives), and OpenAI's error bodies via
 * {@link #failNext}. {@link #baseUrl()} ends with {@code /v1}, as OpenAI clients expect.
 */
public final class FakeOpenAiServer extends FakeLlmServer {

    private volatile boolean refuseStreamOptions;

    private FakeOpenAiServer() {
        super("/v1/", "/v1", "messages", "content", "text/event-stream");
    }

    public static FakeOpenAiServer start() {
        return new FakeOpenAiServer();
    }

    /** OpenAI's error body, e.g. {@code errorBody("invalid_request_error", "bad")}. */
    public static String errorBody(String type, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error")
                .put("message", message)
                .put("type", type)
                .putNull("param")
                .putNull("code");
        return error.toString();
    }

    /**
     * Every later request with {@code stream_options} gets the 400 that vLLM before 0.4.3 answered: a server that
     * does not know the field (it then sends no usage chunk).
     */
    public void refuseStreamOptions() {
        refuseStreamOptions = true;
    }

    @Override
    protected String refusal(JsonNode request) {
        if (!refuseStreamOptions || !request.has("stream_options")) {
            return null;
        }
        return JSON.createObjectNode()
                .put("object", "error")
                .put(
                        "message",
                        "[{'type': 'extra_forbidden', 'loc': ('body', 'stream_options'), 'msg': 'Extra inputs"
                                + " are not permitted'}]")
                .put("type", "BadRequestError")
                .putNull("param")
                .put("code", 400)
                .toString();
    }

    @Override
    protected boolean wantsStream(HttpExchange exchange, JsonNode request) {
        return request.path("stream").asBoolean(false);
    }

    @Override
    protected void answer(HttpExchange exchange, JsonNode request, Reply reply, Usage usage) throws IOException {
        ObjectNode body = envelope(request, "chat.completion");
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (reply.refusal() != null) {
            message.putNull("content");
        } else if (reply.toolCalls().isEmpty()) {
            message.put("content", reply.text());
        } else {
            message.putNull("content");
            ArrayNode calls = message.putArray("tool_calls");
            for (ToolCallReply call : reply.toolCalls()) {
                ObjectNode c = calls.addObject().put("id", call.id()).put("type", "function");
                c.putObject("function").put("name", call.name()).put("arguments", call.argumentsJson());
            }
        }
        message.put("refusal", reply.refusal());
        if (request.path("logprobs").asBoolean(false)) {
            choice.set("logprobs", logprobs(request, pieces(reply.text())));
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason(reply));
        usage(body, usage);
        sendJson(exchange, 200, body.toString());
    }

    @Override
    protected void stream(Stream stream, JsonNode request, Reply reply, Usage usage) throws IOException {
        boolean logprobs = request.path("logprobs").asBoolean(false);
        boolean first = true;
        for (String piece : pieces(reply.text())) {
            ObjectNode chunk = envelope(request, "chat.completion.chunk");
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (first) {
                delta.put("role", "assistant");
                first = false;
            }
            delta.put("content", piece);
            if (logprobs) {
                choice.set("logprobs", logprobs(request, List.of(piece)));
            }
            choice.putNull("finish_reason");
            stream.send(event(chunk));
        }
        if (reply.refusal() != null) {
            // As OpenAI streams one: the role with null content and an empty refusal, then the refusal's pieces.
            ObjectNode opening = envelope(request, "chat.completion.chunk");
            ObjectNode choice = opening.putArray("choices").addObject().put("index", 0);
            choice.putObject("delta")
                    .put("role", "assistant")
                    .putNull("content")
                    .put("refusal", "");
            choice.putNull("finish_reason");
            stream.send(event(opening));
            for (String piece : pieces(reply.refusal())) {
                ObjectNode chunk = envelope(request, "chat.completion.chunk");
                ObjectNode pieceChoice = chunk.putArray("choices").addObject().put("index", 0);
                pieceChoice.putObject("delta").put("refusal", piece);
                pieceChoice.putNull("finish_reason");
                stream.send(event(chunk));
            }
        }
        for (int i = 0; i < reply.toolCalls().size(); i++) {
            ToolCallReply call = reply.toolCalls().get(i);
            String args = call.argumentsJson();
            int half = args.length() / 2;
            // The first fragment carries id and name; the arguments arrive in two pieces, as OpenAI sends them.
            stream.send(event(toolDelta(request, i, call, args.substring(0, half))));
            stream.send(event(toolDelta(request, i, null, args.substring(half))));
        }
        ObjectNode last = envelope(request, "chat.completion.chunk");
        last.putArray("choices")
                .addObject()
                .put("index", 0)
                .put("finish_reason", finishReason(reply))
                .putObject("delta");
        stream.send(event(last));
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode usageChunk = envelope(request, "chat.completion.chunk");
            usageChunk.putArray("choices");
            usage(usageChunk, usage);
            stream.send(event(usageChunk));
        }
        stream.send("data: [DONE]\n\n");
    }

    private ObjectNode toolDelta(JsonNode request, int index, ToolCallReply first, String arguments) {
        ObjectNode chunk = envelope(request, "chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        ObjectNode call =
                choice.putObject("delta").putArray("tool_calls").addObject().put("index", index);
        ObjectNode function = call.putObject("function");
        if (first != null) {
            call.put("id", first.id()).put("type", "function");
            function.put("name", first.name());
        }
        function.put("arguments", arguments);
        choice.putNull("finish_reason");
        return chunk;
    }

    private ObjectNode envelope(JsonNode request, String object) {
        return JSON.createObjectNode()
                .put("id", "chatcmpl-fake")
                .put("object", object)
                .put("created", 1_700_000_000L)
                .put("model", modelFor(request));
    }

    /** Deterministic logprobs: the i-th token of a text gets -0.05 * (i + 1); top alternatives when asked. */
    private static ObjectNode logprobs(JsonNode request, List<String> tokens) {
        int top = request.path("top_logprobs").asInt(0);
        ObjectNode logprobs = JSON.createObjectNode();
        ArrayNode content = logprobs.putArray("content");
        for (int i = 0; i < tokens.size(); i++) {
            double logprob = -0.05 * (i + 1);
            ObjectNode token = content.addObject().put("token", tokens.get(i)).put("logprob", logprob);
            token.putNull("bytes");
            ArrayNode alternatives = token.putArray("top_logprobs");
            for (int k = 0; k < top; k++) {
                alternatives
                        .addObject()
                        .put("token", k == 0 ? tokens.get(i) : "alt" + k)
                        .put("logprob", logprob - k)
                        .putNull("bytes");
            }
        }
        return logprobs;
    }

    private static String finishReason(Reply reply) {
        return reply.toolCalls().isEmpty() ? "stop" : "tool_calls";
    }

    private static void usage(ObjectNode body, Usage usage) {
        body.putObject("usage")
                .put("prompt_tokens", usage.inputTokens())
                .put("completion_tokens", usage.outputTokens())
                .put("total_tokens", usage.inputTokens() + usage.outputTokens());
    }

    private static String event(ObjectNode chunk) {
        return "data: " + chunk + "\n\n";
    }
}
