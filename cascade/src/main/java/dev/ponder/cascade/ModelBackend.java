package dev.ponder.cascade;

import java.util.function.Consumer;

/**
 * The port every model server is reached through. Calls block: the gateway runs each on a virtual thread.
 * Failures are {@link BackendException}s; an interrupted thread aborts the call.
 */
public interface ModelBackend {

    BackendInfo info();

    /** Answers the request in one piece. */
    ChatAnswer chat(ChatRequest request);

    /**
     * Streams the answer: each delta goes to {@code onDelta} as it arrives, and the assembled answer is
     * returned at the end. Backends that cannot stream deliver the whole text as one delta.
     */
    default ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
        ChatAnswer answer = chat(request);
        if (!answer.text().isEmpty()) {
            onDelta.accept(new Delta.Text(answer.text()));
        }
        for (int i = 0; i < answer.toolCalls().size(); i++) {
            ToolCall call = answer.toolCalls().get(i);
            onDelta.accept(new Delta.ToolCallFragment(i, call.id(), call.name(), call.argumentsJson()));
        }
        return answer;
    }
}
