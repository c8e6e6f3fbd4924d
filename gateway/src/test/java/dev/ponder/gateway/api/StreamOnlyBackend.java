package dev.ponder.gateway.api;

import dev.ponder.cascade.BackendException;
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
        // As a backend failing the call: the cascade's check samples and further choices are whole calls.
        throw BackendException.escalate("backend '" + name + "' only streams", null);
    }

    @Override
    public ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
        return streaming.apply(request, onDelta);
    }
}
