package dev.ponder.gateway.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/completions}, OpenAI's legacy text completions: the prompt becomes one user message that goes
 * through the cascade like a chat request, and the answer comes back as a {@code text_completion}, whole or
 * streamed.
 */
@RestController
class CompletionsController {

    /** Fields that mean the same here as in a chat request, and are checked by the chat parser. */
    private static final List<String> SHARED_FIELDS = List.of(
            "model",
            "temperature",
            "top_p",
            "max_tokens",
            "stop",
            "seed",
            "n",
            "presence_penalty",
            "frequency_penalty",
            "user",
            "metadata",
            "stream",
            "stream_options");

    private final JsonMapper json;
    private final ChatRequestParser parser;
    private final CascadeCalls calls;

    CompletionsController(JsonMapper json, CascadeCalls calls) {
        this.json = json;
        this.parser = new ChatRequestParser(json);
        this.calls = calls;
    }

    /** The answer, whole or streamed, is written straight to the response. */
    @PostMapping("/v1/completions")
    void complete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String id = (String) request.getAttribute(RequestIds.ATTRIBUTE);
        ParsedChatRequest parsed = parser.parse(asChat(JsonBodies.object(request, parser)));
        CascadeCalls.Prepared prepared = calls.prepare(parsed, request);
        if (!parsed.stream()) {
            calls.answer(prepared, id, new TextCompletionJson(), response);
            return;
        }
        calls.stream(prepared, id, new TextCompletionJson(), TextCompletionJson.OBJECT, response);
    }

    /** The legacy body as the chat request it means; what has no chat equivalent is refused, not dropped. */
    private ObjectNode asChat(JsonNode legacy) {
        ObjectNode chat = json.createObjectNode();
        for (String field : SHARED_FIELDS) {
            if (legacy.has(field)) {
                chat.set(field, legacy.get(field));
            }
        }
        chat.putArray("messages").addObject().put("role", "user").put("content", prompt(legacy.get("prompt")));
        JsonNode logprobs = legacy.get("logprobs");
        if (logprobs != null && !logprobs.isNull()) {
            if (!logprobs.isIntegralNumber() || logprobs.asInt() < 0 || logprobs.asInt() > 5) {
                throw ApiException.invalid("logprobs", "Invalid 'logprobs': expected an integer between 0 and 5.");
            }
            chat.put("logprobs", true).put("top_logprobs", logprobs.asInt());
        }
        JsonNode echo = present(legacy, "echo", JsonNode::isBoolean, "a boolean");
        refuse("echo", echo != null && echo.booleanValue());
        JsonNode suffix = present(legacy, "suffix", JsonNode::isString, "a string");
        refuse("suffix", suffix != null && !suffix.stringValue().isEmpty());
        JsonNode bestOf = present(legacy, "best_of", JsonNode::isIntegralNumber, "an integer");
        if (bestOf != null) {
            // OpenAI makes best_of candidates and returns the n best: best_of = n is just n; more is not supported.
            if (bestOf.asLong() < legacy.path("n").asLong(1)) {
                throw ApiException.invalid("best_of", "Invalid 'best_of': it must be greater than or equal to 'n'.");
            }
            refuse("best_of", bestOf.asLong() > legacy.path("n").asLong(1));
        }
        return chat;
    }

    /** The field when it is present and not null; a value of the wrong type is a 400 naming it. */
    private static JsonNode present(JsonNode legacy, String field, Predicate<JsonNode> type, String expected) {
        JsonNode value = legacy.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!type.test(value)) {
            throw ApiException.invalid(field, "Invalid type for '" + field + "': expected " + expected + ".");
        }
        return value;
    }

    private static String prompt(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw ApiException.invalid("prompt", "Missing required parameter: 'prompt'.");
        }
        if (prompt.isString()) {
            return prompt.stringValue();
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isString()) {
            return prompt.get(0).stringValue();
        }
        throw ApiException.invalid(
                "prompt",
                "Invalid 'prompt': Ponder takes one prompt as a string (or an array of one string); token arrays and"
                        + " batches of prompts are not supported.");
    }

    private static void refuse(String field, boolean used) {
        if (used) {
            throw ApiException.invalid(field, "'" + field + "' is not supported by Ponder's /v1/completions.");
        }
    }
}
