package dev.ponder.gateway.api;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.ModelBackend;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/** A backend serving model {@code gpt-4o} that can only stream, and streams as it is told. */
record StreamOnlyBackend(String name, BiFunction<ChatRequest, Consumer<Delta>, ChatAnswer> streaming)
        implements ModelBackend {

    @Override
    public BackendInfo info() {
        return new BackendInfo(name, "openai", "gpt-4o", null, null);
    }

    @Override
    public ChatAnswer chat(ChatRequest request) {
        throw new UnsupportedOperationException("streamed only");
    }

    @Override
    public ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
        return streaming.apply(request, onDelta);
    }
}
