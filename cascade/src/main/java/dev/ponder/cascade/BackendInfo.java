package dev.ponder.cascade;

import java.util.Objects;

/** A backend's identity and terms: its configured name, its type, the model it serves, what it accepts, its price. */
public record BackendInfo(String name, String type, String model, Capabilities capabilities, Price price) {
    public BackendInfo {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("backend name must not be blank");
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(model, "model");
        capabilities = capabilities == null ? Capabilities.TEXT_ONLY : capabilities;
        price = price == null ? Price.FREE : price;
    }
}
