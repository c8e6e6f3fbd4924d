package dev.ponder.gateway.learning;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.routing.Routes;
import java.util.List;
import java.util.Map;
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

    /** Routes with one policy, the default: tier {@code low} below threshold 0.5, tier {@code high} above it. */
    static Routes twoTiers(String policy, String low, ModelBackend lowBackend, String high, ModelBackend highBackend) {
        return new Routes(
                Map.of(low, lowBackend, high, highBackend),
                Map.of(
                        policy,
                        new CascadePolicy(
                                policy,
                                List.of(new Tier(low, lowBackend), new Tier(high, highBackend)),
                                List.of(0.5),
                                Budget.UNLIMITED)),
                policy);
    }
}
