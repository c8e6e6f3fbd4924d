package dev.ponder.gateway.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/chat/completions}: parses and checks the request, runs it through the cascade, and answers in
 * OpenAI's format, whole or streamed as server-sent events, with Ponder's decision in {@code x-ponder-*} headers.
 */
@RestController
class ChatCompletionsController {

    private final ChatRequestParser parser;
    private final CascadeCalls calls;

    ChatCompletionsController(JsonMapper json, CascadeCalls calls) {
        this.parser = new ChatRequestParser(json);
        this.calls = calls;
    }

    /** A streamed answer is written straight to the response, so the method returns null for it. */
    @PostMapping("/v1/chat/completions")
    ResponseEntity<Map<String, Object>> complete(
            @RequestBody(required = false) byte[] body,
            @RequestAttribute(RequestIds.ATTRIBUTE) String id,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException {
        ParsedChatRequest parsed = parser.parse(body == null ? new byte[0] : body);
        CascadeCalls.Prepared prepared = calls.prepare(parsed, request);
        if (!parsed.stream()) {
            return calls.answer(prepared, id, ChatCompletionJson.INSTANCE);
        }
        calls.stream(prepared, id, ChatCompletionJson.INSTANCE, ChatCompletionJson.CHUNK_OBJECT, response);
        return null;
    }
}
