package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.FinishReason;
import dev.ponder.cascade.TokenLogprob;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders answers in OpenAI's legacy completions format ({@code text_completion}), whole or streamed. One instance
 * serves one request: a stream's {@code logprobs.text_offset} counts from the start of each choice's text, so it
 * remembers how far each choice has come.
 */
final class TextCompletionJson implements WireFormat {

    static final String OBJECT = "text_completion";

    /** Characters streamed so far, per choice index; only the request's own thread writes it. */
    private final Map<Integer, Integer> streamed = new HashMap<>();

    @Override
    public Map<String, Object> completion(String id, long created, List<ChatAnswer> answers, boolean withLogprobs) {
        List<Map<String, Object>> choices = new ArrayList<>();
        for (int index = 0; index < answers.size(); index++) {
            ChatAnswer answer = answers.get(index);
            choices.add(choice(
                    index,
                    answer.refused() ? answer.refusal() : answer.text(),
                    withLogprobs ? logprobs(answer.logprobs(), 0) : null,
                    answer.finishReason().wireName()));
        }
        return WireFormat.body(id, OBJECT, created, answers, choices);
    }

    /** Legacy streams have no role chunk: the first chunk is already text. */
    @Override
    public List<Map<String, Object>> opening(Envelope envelope, Delta first) {
        return List.of();
    }

    /**
     * Only text reaches a legacy completion: the endpoint takes no tools, so no tool call can stream here, and it has
     * no place for a refusal, which is its text.
     */
    @Override
    public Map<String, Object> delta(Envelope envelope, int index, Delta delta) {
        return switch (delta) {
            case Delta.Text text -> {
                int offset = streamed.merge(index, text.text().length(), Integer::sum)
                        - text.text().length();
                yield envelope.chunk(List.of(choice(
                        index, text.text(), envelope.logprobs() ? logprobs(text.logprobs(), offset) : null, null)));
            }
            case Delta.Refusal refusal -> envelope.chunk(List.of(choice(index, refusal.text(), null, null)));
            case Delta.ToolCallFragment fragment -> null;
        };
    }

    @Override
    public Map<String, Object> finish(Envelope envelope, int index, FinishReason reason) {
        return envelope.chunk(List.of(choice(index, "", null, reason.wireName())));
    }

    private static Map<String, Object> choice(
            int index, String text, Map<String, Object> logprobs, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("text", text);
        choice.put("index", index);
        choice.put("logprobs", logprobs);
        choice.put("finish_reason", finishReason);
        return choice;
    }

    /**
     * The legacy shape: parallel arrays of tokens, their logprobs, their alternatives and their character offsets in
     * the choice's text (from {@code offset}, where these tokens start). Null when the backend sent no logprobs.
     */
    private static Map<String, Object> logprobs(List<TokenLogprob> logprobs, int offset) {
        if (logprobs.isEmpty()) {
            return null;
        }
        List<String> tokens = new ArrayList<>();
        List<Double> tokenLogprobs = new ArrayList<>();
        List<Map<String, Double>> top = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
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
