package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.TokenLogprob;
import dev.ponder.cascade.ToolCall;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders answers in OpenAI's chat completion wire format. */
final class ChatCompletionJson {

    private ChatCompletionJson() {}

    static Map<String, Object> completion(String id, long created, ChatAnswer answer, boolean withLogprobs) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", answer.toolCalls().isEmpty() || !answer.text().isEmpty() ? answer.text() : null);
        message.put("refusal", null);
        if (!answer.toolCalls().isEmpty()) {
            message.put(
                    "tool_calls",
                    answer.toolCalls().stream()
                            .map(ChatCompletionJson::toolCall)
                            .toList());
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("logprobs", withLogprobs && !answer.logprobs().isEmpty() ? logprobs(answer.logprobs()) : null);
        choice.put("finish_reason", answer.finishReason().wireName());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", "chat.completion");
        body.put("created", created);
        body.put("model", answer.model());
        body.put("choices", List.of(choice));
        body.put("usage", usage(answer));
        return body;
    }

    static Map<String, Object> usage(ChatAnswer answer) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", answer.usage().inputTokens());
        usage.put("completion_tokens", answer.usage().outputTokens());
        usage.put("total_tokens", answer.usage().total());
        return usage;
    }

    private static Map<String, Object> toolCall(ToolCall call) {
        return Map.of(
                "id",
                call.id() == null ? "call_" + Integer.toHexString(call.hashCode()) : call.id(),
                "type",
                "function",
                "function",
                Map.of("name", call.name(), "arguments", call.argumentsJson()));
    }

    private static Map<String, Object> logprobs(List<TokenLogprob> logprobs) {
        return Map.of(
                "content",
                logprobs.stream()
                        .map(lp -> Map.of("token", lp.token(), "logprob", lp.logprob(), "top_logprobs", List.of()))
                        .toList(),
                "refusal",
                List.of());
    }
}
