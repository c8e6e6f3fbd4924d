package dev.ponder.cascade;

/** A function the model may call; {@code parametersJson} is its JSON Schema, passed through verbatim. */
public record ToolSpec(String name, String description, String parametersJson, Boolean strict) {
    public ToolSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("tool name must not be blank");
        }
    }
}
