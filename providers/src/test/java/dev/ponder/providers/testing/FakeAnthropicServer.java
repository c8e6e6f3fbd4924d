package dev.ponder.providers.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's Messages API: {@code POST /v1/messages}, one JSON message, or SSE with named events
 * ({@code message_start}, {@code content_block_start/delta/stop}, {@code message_delta}, {@code message_stop})
 * when {@code stream} is true. Tool calls are {@code tool_use} blocks whose input streams as
 * {@code input_json_delta}; usage is {@code input_tokens}/{@code output_tokens}. Error bodies via
 * {@link #errorBody}. {@link #baseUrl()} ends with {@code /v1}.
 */
public final class FakeAnthropicServer extends FakeLlmServer {

    private FakeAnthropicServer() {
        super("/v1/", "/v1", "messages", "content", "text/event-stream");
    }

    public static FakeAnthropicServer start() {
        return new FakeAnthropicServer();
    }

    /** Anthropic's error body, e.g. {@code errorBody("invalid_request_error", "bad")}. */
    public static String errorBody(String type, String message) {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        return body.toString();
    }

    @Override
    protected boolean wantsStream(HttpExchange exchange, JsonNode request) {
        return request.path("stream").asBoolean(false);
    }

    @Override
    protected void answer(HttpExchange exchange, JsonNode request, Reply reply, Usage usage) throws IOException {
        ObjectNode message = message(request);
        ArrayNode content = message.putArray("content");
        if (!reply.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", reply.text());
        }
        for (ToolCallReply call : reply.toolCalls()) {
            content.addObject()
                    .put("type", "tool_use")
                    .put("id", call.id())
                    .put("name", call.name())
                    .set("input", JSON.readTree(call.argumentsJson()));
        }
        message.put("stop_reason", stopReason(reply)).putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", usage.inputTokens()).put("output_tokens", usage.outputTokens());
        sendJson(exchange, 200, message.toString());
    }

    @Override
    protected void stream(Stream stream, JsonNode request, Reply reply, Usage usage) throws IOException {
        ObjectNode start = message(request);
        start.putArray("content");
        start.putNull("stop_reason").putNull("stop_sequence");
        start.putObject("usage").put("input_tokens", usage.inputTokens()).put("output_tokens", 1);
        ObjectNode messageStart = JSON.createObjectNode().put("type", "message_start");
        messageStart.set("message", start);
        stream.send(event("message_start", messageStart));
        int index = 0;
        if (!reply.text().isEmpty()) {
            ObjectNode block = JSON.createObjectNode().put("type", "text").put("text", "");
            stream.send(event("content_block_start", blockStart(index, block)));
            for (String piece : pieces(reply.text())) {
                stream.send(event(
                        "content_block_delta",
                        blockDelta(
                                index,
                                JSON.createObjectNode()
                                        .put("type", "text_delta")
                                        .put("text", piece))));
            }
            stream.send(event("content_block_stop", blockStop(index)));
            index++;
        }
        for (ToolCallReply call : reply.toolCalls()) {
            ObjectNode block = JSON.createObjectNode()
                    .put("type", "tool_use")
                    .put("id", call.id())
                    .put("name", call.name());
            block.putObject("input");
            stream.send(event("content_block_start", blockStart(index, block)));
            String args = call.argumentsJson();
            int half = args.length() / 2;
            for (String part : new String[] {args.substring(0, half), args.substring(half)}) {
                stream.send(event(
                        "content_block_delta",
                        blockDelta(
                                index,
                                JSON.createObjectNode()
                                        .put("type", "input_json_delta")
                                        .put("partial_json", part))));
            }
            stream.send(event("content_block_stop", blockStop(index)));
            index++;
        }
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason(reply)).putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", usage.outputTokens());
        stream.send(event("message_delta", messageDelta));
        stream.send(event("message_stop", JSON.createObjectNode().put("type", "message_stop")));
    }

    private ObjectNode message(JsonNode request) {
        return JSON.createObjectNode()
                .put("id", "msg_fake")
                .put("type", "message")
                .put("role", "assistant")
                .put("model", modelFor(request));
    }

    private static ObjectNode blockStart(int index, ObjectNode block) {
        ObjectNode event =
                JSON.createObjectNode().put("type", "content_block_start").put("index", index);
        event.set("content_block", block);
        return event;
    }

    private static ObjectNode blockDelta(int index, ObjectNode delta) {
        ObjectNode event =
                JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
        event.set("delta", delta);
        return event;
    }

    private static ObjectNode blockStop(int index) {
        return JSON.createObjectNode().put("type", "content_block_stop").put("index", index);
    }

    private static String stopReason(Reply reply) {
        return reply.toolCalls().isEmpty() ? "end_turn" : "tool_use";
    }

    private static String event(String name, ObjectNode data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }
}
