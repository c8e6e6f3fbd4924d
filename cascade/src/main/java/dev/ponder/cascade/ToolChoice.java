package dev.ponder.cascade;

/** OpenAI's tool_choice: a mode, or one named function that must be called. */
public record ToolChoice(Mode mode, String functionName) {

    public enum Mode {
        AUTO,
        NONE,
        REQUIRED,
        FUNCTION
    }

    public ToolChoice {
        if (mode == Mode.FUNCTION && (functionName == null || functionName.isBlank())) {
            throw new IllegalArgumentException("tool_choice of type function needs a function name");
        }
    }
}
