package dev.ponder.cascade;

import java.util.Objects;

/**
 * A backend's identity and terms: its configured name, its type, the model it serves, what it accepts, its price, and
 * the output cap it sends when a request sets none ({@code defaultMaxTokens}; null when it sends none and the server's
 * own limit applies), which bounds what such a request can cost there.
 */
public record BackendInfo(
        String name, String type, String model, Capabilities capabilities, Price price, Integer defaultMaxTokens) {

    /** A backend that sends no output cap of its own. */
    public BackendInfo(String name, String type, String model, Capabilities capabilities, Price price) {
        this(name, type, model, capabilities, price, null);
    }

    public BackendInfo {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("backend name must not be blank");
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(model, "model");
        capabilities = capabilities == null ? Capabilities.TEXT_ONLY : capabilities;
        price = price == null ? Price.FREE : price;
        if (defaultMaxTokens != null && defaultMaxTokens < 1) {
            throw new IllegalArgumentException(
                    "backend '" + name + "' default max tokens must be >= 1 but was " + defaultMaxTokens);
        }
    }
}
