package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.FinishReason;
import dev.ponder.cascade.TokenLogprob;
import dev.ponder.cascade.ToolCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders answers in OpenAI's chat completion wire format, whole ({@code chat.completion}) or streamed. */
final class ChatCompletionJson implements WireFormat {

    static final ChatCompletionJson INSTANCE = new ChatCompletionJson();
    static final String CHUNK_OBJECT = "chat.completion.chunk";

    private ChatCompletionJson() {}

    @Override
    public Map<String, Object> completion(String id, long created, List<ChatAnswer> answers, boolean withLogprobs) {
        List<Map<String, Object>> choices = new ArrayList<>();
        for (int index = 0; index < answers.size(); index++) {
            ChatAnswer answer = answers.get(index);
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            // OpenAI's content is null beside tool calls or a refusal, unless there is text too.
            message.put(
                    "content",
                    answer.text().isEmpty() && (!answer.toolCalls().isEmpty() || answer.refused())
                            ? null
                            : answer.text());
            message.put("refusal", answer.refusal());
            if (!answer.toolCalls().isEmpty()) {
                List<Map<String, Object>> calls = new ArrayList<>();
                for (int i = 0; i < answer.toolCalls().size(); i++) {
                    ToolCall call = answer.toolCalls().get(i);
                    calls.add(toolCall(null, callId(id, index, i, call.id()), call.name(), call.argumentsJson()));
                }
                message.put("tool_calls", calls);
            }
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", index);
            choice.put("message", message);
            choice.put("logprobs", logprobs(withLogprobs, answer.logprobs()));
            choice.put("finish_reason", answer.finishReason().wireName());
            choices.add(choice);
        }
        return WireFormat.body(id, "chat.completion", created, answers, choices);
    }

    /**
     * OpenAI's first chunks: the assistant role with empty content, for each choice; a refusal opens with null content
     * and an empty refusal instead.
     */
    @Override
    public List<Map<String, Object>> opening(Envelope envelope, Delta first) {
        List<Map<String, Object>> chunks = new ArrayList<>();
        for (int index = 0; index < envelope.choices(); index++) {
            boolean refusal = index == 0 && first instanceof Delta.Refusal;
            Map<String, Object> delta = new LinkedHashMap<>();
            delta.put("role", "assistant");
            delta.put("content", refusal ? null : "");
            delta.put("refusal", refusal ? "" : null);
            chunks.add(envelope.chunk(List.of(choice(index, delta, null, null))));
        }
        return chunks;
    }

    @Override
    public Map<String, Object> delta(Envelope envelope, int index, Delta delta) {
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, Object> logprobs = null;
        switch (delta) {
            case Delta.Text text -> {
                body.put("content", text.text());
                logprobs = logprobs(envelope.logprobs(), text.logprobs());
            }
            case Delta.Refusal refusal -> body.put("refusal", refusal.text());
            case Delta.ToolCallFragment fragment -> {
                // The first fragment of a call carries its id, type and name; later ones only argument text.
                boolean first = fragment.name() != null;
                body.put(
                        "tool_calls",
                        List.of(toolCall(
                                fragment.index(),
                                first ? callId(envelope.id(), index, fragment.index(), fragment.id()) : null,
                                fragment.name(),
                                fragment.argumentsFragment() == null ? "" : fragment.argumentsFragment())));
            }
        }
        return envelope.chunk(List.of(choice(index, body, logprobs, null)));
    }

    @Override
    public Map<String, Object> finish(Envelope envelope, int index, FinishReason reason) {
        return envelope.chunk(List.of(choice(index, Map.of(), null, reason.wireName())));
    }

    private static Map<String, Object> choice(
            int index, Map<String, Object> delta, Map<String, Object> logprobs, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", index);
        choice.put("delta", delta);
        choice.put("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        return choice;
    }

    /** A tool call as OpenAI writes it; a streamed fragment has an index and leaves out what it does not carry. */
    private static Map<String, Object> toolCall(Integer index, String id, String name, String arguments) {
        Map<String, Object> call = new LinkedHashMap<>();
        if (index != null) {
            call.put("index", index);
        }
        if (id != null) {
            call.put("id", id);
            call.put("type", "function");
        }
        Map<String, Object> function = new LinkedHashMap<>();
        if (name != null) {
            function.put("name", name);
        }
        function.put("arguments", arguments);
        call.put("function", function);
        return call;
    }

    /**
     * A backend that names no call id (Ollama) gets a stable one, so that the client can answer the call; the first
     * choice's keep the form they had before there were several.
     */
    private static String callId(String requestId, int choice, int index, String id) {
        String base = "call_" + requestId.substring(requestId.indexOf('-') + 1) + (choice == 0 ? "" : "_c" + choice);
        return id != null ? id : base + "_" + index;
    }

    /** OpenAI's {@code logprobs} of a choice or a chunk when the client asked for them and the backend sent some. */
    private static Map<String, Object> logprobs(boolean asked, List<TokenLogprob> logprobs) {
        if (!asked || logprobs.isEmpty()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("content", logprobs.stream().map(ChatCompletionJson::logprob).toList());
        out.put("refusal", null);
        return out;
    }

    private static Map<String, Object> logprob(TokenLogprob lp) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("token", lp.token());
        entry.put("logprob", lp.logprob());
        entry.put("bytes", bytes(lp.token()));
        entry.put(
                "top_logprobs",
                lp.top().stream()
                        .map(top -> Map.of("token", top.token(), "logprob", top.logprob(), "bytes", bytes(top.token())))
                        .toList());
        return entry;
    }

    private static List<Integer> bytes(String token) {
        byte[] utf8 = token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Integer> out = new ArrayList<>(utf8.length);
        for (byte b : utf8) {
            out.add(b & 0xff);
        }
        return out;
    }
}
