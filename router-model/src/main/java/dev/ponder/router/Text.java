package dev.ponder.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Tokenizing and stable hashing shared by the feature extractors. */
final class Text {
    private Text() {}

    /** Lower-cased runs of letters or digits; every other non-space character is a token of its own. */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                int start = i;
                while (i < n && Character.isLetterOrDigit(text.charAt(i))) {
                    i++;
                }
                out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
            } else {
                if (!Character.isWhitespace(c)) {
                    out.add(String.valueOf(c));
                }
                i++;
            }
        }
        return out;
    }

    /**
     * The first {@code head} and last {@code tail} items: in few-shot prompts the real question sits at the end,
     * so a long prompt keeps both ends rather than silently losing its tail.
     */
    static <T> List<T> headAndTail(List<T> items, int head, int tail) {
        if (items.size() <= head + tail) {
            return items;
        }
        List<T> out = new ArrayList<>(items.subList(0, head));
        out.addAll(items.subList(items.size() - tail, items.size()));
        return out;
    }

    /** FNV-1a, 32 bits: stable across JVMs and releases, unlike String.hashCode's contract. */
    static int fnv1a(String s, int seed) {
        int h = 0x811c9dc5 ^ seed;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x01000193;
        }
        return mix(h);
    }

    /** Murmur3's finalizer, so that low bits are usable as a bucket index. */
    static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
