package dev.ponder.cascade;

/** A piece of a streamed answer, in arrival order. */
public sealed interface Delta {

    record Text(String text) implements Delta {}

    /** A fragment of the tool call at {@code index}; id and name arrive with its first fragment. */
    record ToolCallFragment(int index, String id, String name, String argumentsFragment) implements Delta {}
}
