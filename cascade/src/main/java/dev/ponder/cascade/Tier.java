package dev.ponder.cascade;

import java.util.Objects;

/** One rung of a cascade: a backend, cheapest first. */
public record Tier(String name, ModelBackend backend) {
    public Tier {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("tier name must not be blank");
        }
        Objects.requireNonNull(backend, "backend");
    }
}
