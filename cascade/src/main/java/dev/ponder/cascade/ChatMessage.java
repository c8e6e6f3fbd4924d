package dev.ponder.cascade;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One message of a conversation. {@code toolCalls} is set on assistant messages that called tools,
 * {@code toolCallId} on tool results.
 */
public record ChatMessage(
        Role role, List<ContentPart> content, String name, String toolCallId, List<ToolCall> toolCalls) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatMessage of(Role role, String text) {
        return new ChatMessage(role, List.of(new ContentPart.Text(text)), null, null, null);
    }

    /** The text parts joined; images are left out. */
    public String text() {
        return content.stream()
                .filter(ContentPart.Text.class::isInstance)
                .map(part -> ((ContentPart.Text) part).text())
                .collect(Collectors.joining("\n"));
    }

    public boolean hasImages() {
        return content.stream().anyMatch(ContentPart.Image.class::isInstance);
    }
}
