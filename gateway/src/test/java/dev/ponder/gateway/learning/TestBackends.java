package dev.ponder.gateway.learning;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Price;
import java.util.function.Function;

/** Backends for tests that call the learning loop's parts directly, without a gateway. */
final class TestBackends {

    private TestBackends() {}

    /** A backend {@code name} serving model {@code name-1} at 1 USD per million tokens, answering with {@code chat}. */
    static ModelBackend of(String name, Function<ChatRequest, ChatAnswer> chat) {
        return new ModelBackend() {
            @Override
            public BackendInfo info() {
                return new BackendInfo(name, "test", name + "-1", null, new Price(1, 1));
            }

            @Override
            public ChatAnswer chat(ChatRequest request) {
                return chat.apply(request);
            }
        };
    }
}
