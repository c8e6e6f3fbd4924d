package dev.ponder.router;

import java.util.List;

/** Hashes unigrams and bigrams into a bucket range of a {@link SparseVector}. */
final class NgramHashing {
    /** Long prompts keep their head and, longer, their tail: the question usually comes last. */
    static final int HEAD_TOKENS = 256;

    static final int TAIL_TOKENS = 512;

    private NgramHashing() {}

    /** Adds each n-gram with weight 1/sqrt(#n-grams), so that the block has unit norm before collisions. */
    static void add(SparseVector.Builder out, List<String> allTokens, boolean bigrams, int bits, int salt, int offset) {
        List<String> tokens = Text.headAndTail(allTokens, HEAD_TOKENS, TAIL_TOKENS);
        int count = tokens.size() + (bigrams ? Math.max(0, tokens.size() - 1) : 0);
        if (count == 0) {
            return;
        }
        int mask = (1 << bits) - 1;
        double w = 1 / Math.sqrt(count);
        int previous = 0;
        for (int i = 0; i < tokens.size(); i++) {
            int h = Text.fnv1a(tokens.get(i), salt);
            out.add(offset + (h & mask), w);
            if (bigrams && i > 0) {
                out.add(offset + (Text.mix(previous * 31 + h) & mask), w);
            }
            previous = h;
        }
    }
}
