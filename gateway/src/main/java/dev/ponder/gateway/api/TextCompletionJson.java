package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.FinishReason;
import dev.ponder.cascade.TokenLogprob;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders answers in OpenAI's legacy completions format ({@code text_completion}), whole or streamed. */
final class TextCompletionJson implements WireFormat {

    static final TextCompletionJson INSTANCE = new TextCompletionJson();
    static final String OBJECT = "text_completion";

    private TextCompletionJson() {}

    @Override
    public Map<String, Object> completion(String id, long created, ChatAnswer answer, boolean withLogprobs) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", OBJECT);
        body.put("created", created);
        body.put("model", answer.model());
        body.put(
                "choices",
                List.of(choice(
                        answer.text(),
                        withLogprobs && !answer.logprobs().isEmpty() ? logprobs(answer.logprobs()) : null,
                        answer.finishReason().wireName())));
        body.put("usage", WireFormat.usage(answer));
        return body;
    }

    /** Legacy streams have no role chunk: the first chunk is already text. */
    @Override
    public List<Map<String, Object>> opening(Envelope envelope) {
        return List.of();
    }

    /** Only text reaches a legacy completion: the endpoint takes no tools, so no tool call can stream here. */
    @Override
    public Map<String, Object> delta(Envelope envelope, Delta delta) {
        return switch (delta) {
            case Delta.Text text -> envelope.chunk(List.of(choice(text.text(), null, null)));
            case Delta.ToolCallFragment fragment -> null;
        };
    }

    @Override
    public Map<String, Object> finish(Envelope envelope, FinishReason reason) {
        return envelope.chunk(List.of(choice("", null, reason.wireName())));
    }

    private static Map<String, Object> choice(String text, Map<String, Object> logprobs, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("text", text);
        choice.put("index", 0);
        choice.put("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        return choice;
    }

    /** The legacy shape: parallel arrays of tokens, their logprobs, their alternatives and their offsets. */
    private static Map<String, Object> logprobs(List<TokenLogprob> logprobs) {
        List<String> tokens = new ArrayList<>();
        List<Double> tokenLogprobs = new ArrayList<>();
        List<Map<String, Double>> top = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int offset = 0;
        for (TokenLogprob lp : logprobs) {
            tokens.add(lp.token());
            tokenLogprobs.add(lp.logprob());
            Map<String, Double> alternatives = new LinkedHashMap<>();
            lp.top().forEach(alt -> alternatives.put(alt.token(), alt.logprob()));
            top.add(alternatives);
            offsets.add(offset);
            offset += lp.token().length();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tokens", tokens);
        out.put("token_logprobs", tokenLogprobs);
        out.put("top_logprobs", top);
        out.put("text_offset", offsets);
        return out;
    }
}
