package dev.ponder.cascade;

import java.util.ArrayList;
import java.util.List;

/** A piece of a streamed answer, in arrival order. */
public sealed interface Delta {

    /** A piece of text with the logprobs of its tokens, when the backend sent them with it (else empty). */
    record Text(String text, List<TokenLogprob> logprobs) implements Delta {
        public Text {
            logprobs = logprobs == null ? List.of() : List.copyOf(logprobs);
        }

        public Text(String text) {
            this(text, List.of());
        }
    }

    /** A piece of the model's refusal to answer (OpenAI's {@code delta.refusal}). */
    record Refusal(String text) implements Delta {}

    /** A complete answer as the deltas that would have streamed it: its text, its refusal, then each tool call whole. */
    static List<Delta> of(ChatAnswer answer) {
        List<Delta> deltas = new ArrayList<>();
        if (!answer.text().isEmpty()) {
            deltas.add(new Text(answer.text(), answer.logprobs()));
        }
        if (answer.refused()) {
            deltas.add(new Refusal(answer.refusal()));
        }
        for (int i = 0; i < answer.toolCalls().size(); i++) {
            ToolCall call = answer.toolCalls().get(i);
            deltas.add(new ToolCallFragment(i, call.id(), call.name(), call.argumentsJson()));
        }
        return deltas;
    }

    /** A fragment of the tool call at {@code index}; id and name arrive with its first fragment. */
    record ToolCallFragment(int index, String id, String name, String argumentsFragment) implements Delta {}
}
