package dev.ponder.gateway;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Tier;

/** Tiers for tests that read policies, prices and caps but never call a backend. */
public final class TestTiers {

    private TestTiers() {}

    /** Tier {@code name} on backend {@code name} (model {@code name}) at {@code price}. */
    public static Tier of(String name, Price price) {
        return of(new BackendInfo(name, "test", name, null, price));
    }

    /** A tier named as its backend, which {@code info} describes. */
    public static Tier of(BackendInfo info) {
        return new Tier(info.name(), new ModelBackend() {
            @Override
            public BackendInfo info() {
                return info;
            }

            @Override
            public ChatAnswer chat(ChatRequest request) {
                throw new UnsupportedOperationException("no calls");
            }
        });
    }
}
