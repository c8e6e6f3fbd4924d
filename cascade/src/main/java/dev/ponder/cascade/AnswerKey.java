package dev.ponder.cascade;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What two answers must share to agree: the final answer they state ("the answer is (B)", "Answer: 42") when they
 * state one, else their whole text with case, punctuation and spacing ignored; tool calls by name and arguments.
 */
final class AnswerKey {

    private static final Pattern STATED = Pattern.compile(
            "(?:final\\s+answer|answer|option|choice)\\s*(?:is|:|=)?\\s*[:(\\[]?\\s*([A-Za-z0-9][\\w.\\-]*)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern NOISE = Pattern.compile("[^\\p{L}\\p{N}]+");

    private AnswerKey() {}

    static String of(ChatAnswer answer) {
        if (!answer.toolCalls().isEmpty()) {
            return answer.toolCalls().stream()
                    .map(c -> c.name() + NOISE.matcher(c.argumentsJson()).replaceAll(""))
                    .collect(Collectors.joining("|"));
        }
        String text = answer.text();
        Matcher stated = STATED.matcher(text);
        String last = null;
        while (stated.find()) {
            last = stated.group(1);
        }
        String key = last != null ? last : text;
        return NOISE.matcher(key.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
    }
}
