package dev.ponder.router;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Cheap, domain-agnostic descriptors of a text: size, shape, symbols, code and maths markers, reasoning verbs. They
 * are raw values; the model standardizes them with the training set's mean and spread.
 */
final class LexicalFeatures {
    static final List<String> NAMES = List.of(
            "log_chars",
            "log_words",
            "log_lines",
            "digit_frac",
            "upper_frac",
            "punct_frac",
            "math_frac",
            "log_code_marks",
            "log_questions",
            "mean_word_len",
            "type_token_ratio",
            "long_word_frac",
            "choice_lines",
            "log_numbers",
            "log_latex_marks",
            "log_reasoning_verbs",
            "log_negations",
            "log_shots",
            "log_last_paragraph_words",
            "non_ascii_frac",
            "log_sentences");

    static final int SIZE = NAMES.size();

    private static final Pattern CHOICE_LINE = Pattern.compile("(?m)^\\s*\\(?[A-Ha-h][).:]\\s");
    private static final Pattern SHOT = Pattern.compile("(?im)^\\s*(answer|a|output|solution)\\s*:");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    private static final Pattern CODE =
            Pattern.compile("```|\\bdef |\\breturn\\b|\\bimport |[{};]|=>|\\bclass |#include");
    private static final Pattern LATEX = Pattern.compile("\\$|\\\\[a-zA-Z]+|\\^\\{|_\\{");
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?](\\s|$)");
    private static final Set<String> REASONING = Set.of(
            "prove",
            "derive",
            "calculate",
            "compute",
            "solve",
            "explain",
            "why",
            "implement",
            "write",
            "optimize",
            "evaluate",
            "estimate",
            "determine",
            "find",
            "integral",
            "probability",
            "theorem",
            "algorithm",
            "step",
            "analyze",
            "compare",
            "justify",
            "function",
            "equation");
    private static final Set<String> NEGATION = Set.of("not", "except", "never", "least", "false", "incorrect", "no");

    private LexicalFeatures() {}

    static double[] of(String text) {
        double[] f = new double[SIZE];
        int n = Math.max(1, text.length());
        int digits = 0, upper = 0, punct = 0, math = 0, nonAscii = 0, letters = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isDigit(c)) {
                digits++;
            } else if (Character.isLetter(c)) {
                letters++;
                if (Character.isUpperCase(c)) {
                    upper++;
                }
            } else if ("+-*/=<>^%|∑∫√≤≥≠".indexOf(c) >= 0) {
                math++;
            } else if (!Character.isWhitespace(c)) {
                punct++;
            }
            if (c > 127) {
                nonAscii++;
            }
        }
        List<String> tokens = Text.tokens(text);
        int words = 0, wordChars = 0, longWords = 0, reasoning = 0, negations = 0;
        Set<String> types = new HashSet<>();
        for (String t : tokens) {
            if (!Character.isLetterOrDigit(t.charAt(0))) {
                continue;
            }
            words++;
            wordChars += t.length();
            if (t.length() >= 9) {
                longWords++;
            }
            if (words <= 500) {
                types.add(t);
            }
            if (REASONING.contains(t)) {
                reasoning++;
            }
            if (NEGATION.contains(t)) {
                negations++;
            }
        }
        String trimmed = text.strip();
        int lastBreak = trimmed.lastIndexOf("\n\n");
        String lastParagraph = lastBreak < 0 ? trimmed : trimmed.substring(lastBreak);
        f[0] = Math.log1p(text.length());
        f[1] = Math.log1p(words);
        f[2] = Math.log1p(text.lines().count());
        f[3] = digits / (double) n;
        f[4] = upper / (double) Math.max(1, letters);
        f[5] = punct / (double) n;
        f[6] = math / (double) n;
        f[7] = Math.log1p(count(CODE, text));
        f[8] = Math.log1p(text.chars().filter(c -> c == '?').count());
        f[9] = words == 0 ? 0 : wordChars / (double) words;
        f[10] = words == 0 ? 0 : types.size() / (double) Math.min(words, 500);
        f[11] = words == 0 ? 0 : longWords / (double) words;
        f[12] = Math.min(count(CHOICE_LINE, text), 12);
        f[13] = Math.log1p(count(NUMBER, text));
        f[14] = Math.log1p(count(LATEX, text));
        f[15] = Math.log1p(reasoning);
        f[16] = Math.log1p(negations);
        f[17] = Math.log1p(count(SHOT, text));
        f[18] = Math.log1p(lastParagraph.split("\\s+").length);
        f[19] = nonAscii / (double) n;
        f[20] = Math.log1p(count(SENTENCE_END, text));
        return f;
    }

    private static int count(Pattern p, String text) {
        return (int) p.matcher(text).results().count();
    }
}
