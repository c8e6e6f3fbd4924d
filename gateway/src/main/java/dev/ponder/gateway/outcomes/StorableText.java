package dev.ponder.gateway.outcomes;

/**
 * Text as PostgreSQL can store it. Its {@code text} type cannot hold U+0000 (SQLState 22021), so a prompt or an answer
 * with one would fail the statement, and with it a whole batch of outcomes or a label already paid for. It is kept as
 * U+FFFD, the replacement character.
 */
public final class StorableText {

    private StorableText() {}

    /** {@code text} with every U+0000 replaced by U+FFFD; null stays null. */
    public static String of(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace('\0', '\uFFFD');
    }
}
