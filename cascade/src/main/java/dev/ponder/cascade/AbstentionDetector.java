package dev.ponder.cascade;

import java.util.regex.Pattern;

/** Spots an answer that abstains: "I don't know", "I'm not sure", "I cannot answer" and the like. */
public final class AbstentionDetector {

    // Anchored near the start: a model that abstains says so first; a long answer that merely mentions doubt is not
    // one.
    private static final Pattern ABSTAIN = Pattern.compile(
            "^\\W*(?:i\\s+(?:do\\s*n[o']?t|don['’]t)\\s+know"
                    + "|i['’]?m\\s+not\\s+(?:sure|certain|able)"
                    + "|i\\s+am\\s+not\\s+(?:sure|certain|able)"
                    + "|i\\s+(?:cannot|can['’]?t|can\\s+not)\\s+(?:answer|help|determine|say|provide|be\\s+sure)"
                    + "|i\\s+(?:have|possess)\\s+no\\s+(?:idea|information|knowledge)"
                    + "|i\\s+(?:do\\s+not|don['’]t)\\s+have\\s+(?:enough|sufficient|the)\\s+(?:information|knowledge|context)"
                    + "|unknown\\W*$|idk\\b)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    public boolean abstains(ChatAnswer answer) {
        if (!answer.toolCalls().isEmpty()) {
            return false;
        }
        String text = answer.text().strip();
        return text.isEmpty() || ABSTAIN.matcher(text).find();
    }
}
