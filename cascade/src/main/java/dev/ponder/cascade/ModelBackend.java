package dev.ponder.cascade;

import java.util.function.Consumer;

/**
 * The port every model server is reached through. Calls block: the gateway runs each on a virtual thread.
 * Failures are {@link BackendException}s; an interrupted thread aborts the call and stays interrupted, which tells
 * the cascade that its caller gave up.
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
        Delta.of(answer).forEach(onDelta);
        return answer;
    }
}
