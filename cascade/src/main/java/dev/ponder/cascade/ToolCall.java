package dev.ponder.cascade;

/** A function call a model asked for; arguments stay raw JSON text, as the model wrote them. */
public record ToolCall(String id, String name, String argumentsJson) {
    public ToolCall {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("tool call name must not be blank");
        }
        argumentsJson = argumentsJson == null ? "{}" : argumentsJson;
    }
}
