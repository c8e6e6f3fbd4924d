package dev.ponder.gateway.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.bind.annotation.PostMapping;
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

    /** The answer, whole or streamed, is written straight to the response. */
    @PostMapping("/v1/chat/completions")
    void complete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String id = (String) request.getAttribute(RequestIds.ATTRIBUTE);
        ParsedChatRequest parsed = parser.parse(JsonBodies.object(request, parser));
        CascadeCalls.Prepared prepared = calls.prepare(parsed, request);
        if (!parsed.stream()) {
            calls.answer(prepared, id, ChatCompletionJson.INSTANCE, response);
            return;
        }
        calls.stream(prepared, id, ChatCompletionJson.INSTANCE, ChatCompletionJson.CHUNK_OBJECT, response);
    }
}
