package dev.ponder.gateway.learning;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.TokenUsage;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether a lower tier's answer was good enough, given the top tier's answer to the same prompt as the
 * reference. Short answers (a multiple-choice letter, a number, a word) are compared directly: numerically when both
 * are numbers, else after normalising case, punctuation and a leading "Answer:". Longer ones go to the judge backend
 * with a grading prompt; without a judge they are not labelled.
 */
final class Judge {

    /** The verdict: {@code score} 1 when the candidate was good enough, how it was decided, and what that cost. */
    record Grade(double score, String judge, double costUsd) {}

    private static final Pattern CHOICE = Pattern.compile("^\\(?([a-e])\\)?(?:[.):]|\\s|$)");
    private static final Pattern NUMBER = Pattern.compile("^[-+]?\\d[\\d,]*(\\.\\d+)?$|^[-+]?\\.\\d+$");
    static final String GRADING_PROMPT = """
            You are grading an answer against a reference answer to the same question.

            Question:
            %s

            Reference answer:
            %s

            Candidate answer:
            %s

            Is the candidate answer correct and as useful as the reference? Reply with exactly one word: YES or NO.""";

    private final String judgeName;
    private final ModelBackend judge;
    private final int shortAnswerChars;

    /** @param judge the grading backend for long answers, or null to label short answers only */
    Judge(String judgeName, ModelBackend judge, int shortAnswerChars) {
        this.judgeName = judgeName;
        this.judge = judge;
        this.shortAnswerChars = shortAnswerChars;
    }

    /**
     * Whether {@code candidate} can be graded at all: with a judge any answer can, without one only a short answer.
     * A shadow sample of an answer that cannot be graded would pay for the top tier's call and label nothing.
     */
    boolean canGrade(String candidate) {
        return judge != null || normalise(candidate).length() <= shortAnswerChars;
    }

    Optional<Grade> grade(String prompt, String candidate, String reference) {
        String c = normalise(candidate);
        String r = normalise(reference);
        if (c.length() <= shortAnswerChars && r.length() <= shortAnswerChars) {
            if (NUMBER.matcher(c).matches() && NUMBER.matcher(r).matches()) {
                double a = Double.parseDouble(c.replace(",", ""));
                double b = Double.parseDouble(r.replace(",", ""));
                return Optional.of(new Grade(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)) ? 1 : 0, "numeric", 0));
            }
            return Optional.of(new Grade(choice(c).equals(choice(r)) ? 1 : 0, "exact", 0));
        }
        if (judge == null) {
            return Optional.empty();
        }
        ChatAnswer verdict = judge.chat(ChatRequest.of(
                List.of(ChatMessage.of(Role.USER, GRADING_PROMPT.formatted(prompt, reference, candidate)))));
        String word = verdict.text().strip().toUpperCase(Locale.ROOT);
        if (word.startsWith("YES") || word.startsWith("NO")) {
            return Optional.of(new Grade(word.startsWith("YES") ? 1 : 0, "judge:" + judgeName, verdict.costUsd()));
        }
        return Optional.empty();
    }

    /**
     * What grading may cost at most when a judge is set: {@code inputTokens} (question, reference and candidate), the
     * grading prompt around them, and a one-word reply at the judge's price; 0 without a judge.
     */
    double estimateUsd(int inputTokens) {
        return judge == null
                ? 0
                : judge.info().price().cost(new TokenUsage(inputTokens + GRADING_PROMPT.length() / 3, 4));
    }

    /** Lower case, one space between words, no "answer:" prefix, no trailing punctuation. */
    static String normalise(String answer) {
        String s = answer.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        s = s.replaceFirst("^(the )?(correct )?answer( is)?:?\\s*", "");
        return s.replaceAll("[\\s.!?;:\"'`*]+$", "").replaceAll("^[\"'`*]+", "");
    }

    /** A multiple-choice answer ("B", "(b)", "B) wet palms") as its letter; anything else as it is, unpunctuated. */
    private static String choice(String normalised) {
        Matcher m = CHOICE.matcher(normalised);
        return m.find() ? m.group(1) : normalised.replaceAll("[^\\p{L}\\p{N} ]", "");
    }
}
