package dev.ponder.cascade;

import java.util.ArrayList;
import java.util.List;

/** A piece of a streamed answer, in arrival order. */
public sealed interface Delta {

    record Text(String text) implements Delta {}

    /** A complete answer as the deltas that would have streamed it: its text, then each tool call whole. */
    static List<Delta> of(ChatAnswer answer) {
        List<Delta> deltas = new ArrayList<>();
        if (!answer.text().isEmpty()) {
            deltas.add(new Text(answer.text()));
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
