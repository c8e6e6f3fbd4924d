package dev.ponder.router;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Features of a (prompt, answer) pair: the answer's own descriptors, signs of doubt or refusal, how much the answer
 * echoes the prompt, the prompt's descriptors, and hashed n-grams of both texts (distinct salts).
 */
final class AnswerFeaturizer {
    static final List<String> EXTRA_NAMES =
            List.of("hedges", "refusals", "blank", "echo_frac", "unfinished", "code_block", "repeated_lines");
    static final int DENSE = 2 * LexicalFeatures.SIZE + EXTRA_NAMES.size();

    private static final List<String> HEDGES = List.of(
            "not sure",
            "i think",
            "might be",
            "may be",
            "possibly",
            "perhaps",
            "it depends",
            "unclear",
            "cannot be determined",
            "not enough information",
            "i'm not certain",
            "hard to say",
            "likely");
    private static final List<String> REFUSALS = List.of(
            "i don't know",
            "i do not know",
            "i cannot",
            "i can't",
            "i'm sorry",
            "i apologize",
            "as an ai",
            "unable to",
            "i am not able");
    private static final int ANSWER_SALT = 17;
    private static final int PROMPT_SALT = 29;

    private final Standardizer dense;
    private final int ngramBits;

    AnswerFeaturizer(Standardizer dense, int ngramBits) {
        if (dense.size() != DENSE) {
            throw new IllegalArgumentException(
                    "answer standardizer has " + dense.size() + " features, expected " + DENSE);
        }
        this.dense = dense;
        this.ngramBits = ngramBits;
    }

    int dimension() {
        return DENSE + (ngramBits > 0 ? 1 << ngramBits : 0);
    }

    static double[] raw(String prompt, String answer) {
        double[] out = new double[DENSE];
        System.arraycopy(LexicalFeatures.of(answer), 0, out, 0, LexicalFeatures.SIZE);
        String lower = answer.toLowerCase(Locale.ROOT);
        int k = LexicalFeatures.SIZE;
        out[k++] = Math.log1p(occurrences(lower, HEDGES));
        out[k++] = Math.log1p(occurrences(lower, REFUSALS));
        out[k++] = answer.isBlank() ? 1 : 0;
        out[k++] = echoFraction(prompt, answer);
        String end = answer.strip();
        out[k++] = end.length() > 200 && ".!?`)]}\"'".indexOf(end.charAt(end.length() - 1)) < 0 ? 1 : 0;
        out[k++] = answer.contains("```") ? 1 : 0;
        out[k++] = repeatedLineFraction(answer);
        System.arraycopy(LexicalFeatures.of(prompt), 0, out, k, LexicalFeatures.SIZE);
        return out;
    }

    SparseVector features(String prompt, String answer) {
        SparseVector.Builder b = new SparseVector.Builder();
        double[] r = raw(prompt, answer);
        for (int j = 0; j < r.length; j++) {
            b.add(j, dense.apply(j, r[j]));
        }
        if (ngramBits > 0) {
            NgramHashing.add(b, Text.tokens(answer), true, ngramBits, ANSWER_SALT, DENSE);
            NgramHashing.add(b, Text.tokens(prompt), false, ngramBits, PROMPT_SALT, DENSE);
        }
        return b.build();
    }

    private static int occurrences(String text, List<String> phrases) {
        int n = 0;
        for (String p : phrases) {
            for (int i = text.indexOf(p); i >= 0; i = text.indexOf(p, i + p.length())) {
                n++;
            }
        }
        return n;
    }

    private static double echoFraction(String prompt, String answer) {
        List<String> answerTokens = Text.tokens(answer);
        if (answerTokens.isEmpty()) {
            return 0;
        }
        Set<String> promptTokens = new HashSet<>(Text.tokens(prompt));
        long echoed = answerTokens.stream().filter(promptTokens::contains).count();
        return echoed / (double) answerTokens.size();
    }

    private static double repeatedLineFraction(String answer) {
        List<String> lines =
                answer.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) {
            return 0;
        }
        return 1 - new HashSet<>(lines).size() / (double) lines.size();
    }
}
