package dev.ponder.cascade;

/** Who wrote a message; OpenAI's roles, so requests pass through without loss. */
public enum Role {
    SYSTEM,
    DEVELOPER,
    USER,
    ASSISTANT,
    TOOL
}
