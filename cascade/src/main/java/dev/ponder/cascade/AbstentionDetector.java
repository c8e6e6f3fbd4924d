package dev.ponder.cascade;

import java.util.regex.Pattern;

/**
 * Spots an answer that abstains or refuses: "I don't know", "I'm not sure", "I cannot answer", "I'm sorry, but I
 * can't help with that", "As an AI, I don't have access to...", an empty answer, or one the provider's content filter
 * cut. Only the opening of the answer counts (its first two sentences): a model that abstains says so first, while a
 * long answer that merely mentions doubt on the way ("I'm not sure it matters, but...") is not caught by the
 * patterns, which require the doubt to be about answering.
 */
public final class AbstentionDetector {

    private static final int OPENING_CHARS = 240;

    // A sentence may open with filler ("Hmm,", "Sorry.", "Unfortunately,") before the abstention itself.
    private static final String LEAD = "(?:^|[.!?:;\\n]\\s*)[\\W_]*(?:(?:well|hmm+|honestly|sorry|unfortunately|"
            + "i['’]?m\\s+(?:sorry|afraid)|i\\s+am\\s+(?:sorry|afraid)|apologies|as\\s+an\\s+ai(?:\\s+language\\s+model)?"
            + "|however)[\\s,.!:]*(?:but\\s+)?)*";

    private static final Pattern ABSTAIN = Pattern.compile(
            LEAD
                    + "(?:i\\s+(?:really\\s+)?(?:do\\s*n[o']?t|don['’]t|do\\s+not)\\s+(?:know|have\\s+(?:enough|sufficient|the|any"
                    + "|access)\\b|possess|recall)"
                    + "|i\\s+(?:really\\s+)?(?:have|possess)\\s+no\\s+(?:idea|information|knowledge|way|access)"
                    + "|i['’]?m\\s+(?:not\\s+(?:sure|certain|able|aware)|unable|uncertain)"
                    + "|i\\s+am\\s+(?:not\\s+(?:sure|certain|able|aware)|unable|uncertain)"
                    + "|i\\s+(?:cannot|can['’]?t|can\\s+not|could\\s*n['’]?t|could\\s+not|won['’]?t|will\\s+not|must\\s+decline)"
                    + "\\s+(?:\\w+\\s+){0,2}?(?:answer|help|assist|determine|say|provide|be\\s+(?:sure|certain)|know|tell"
                    + "|comply|fulfil|fulfill|do\\s+that|find|access|verify|decide|give)"
                    + "|there\\s+is\\s+(?:not\\s+enough|insufficient)\\s+information"
                    + "|(?:the\\s+)?answer\\s+is\\s+unknown"
                    + "|unknown\\W*$|idk\\b|no\\s+idea\\b|not\\s+sure\\W*$)",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    public boolean abstains(ChatAnswer answer) {
        if (answer.finishReason() == FinishReason.CONTENT_FILTER) {
            return true;
        }
        if (!answer.toolCalls().isEmpty()) {
            return false;
        }
        String text = answer.text().strip();
        if (text.isEmpty()) {
            return true;
        }
        return ABSTAIN.matcher(opening(text)).find();
    }

    /** The first two sentences, bounded: where an abstention would be. */
    private static String opening(String text) {
        int ends = 0;
        for (int i = 0; i < Math.min(text.length(), OPENING_CHARS); i++) {
            char c = text.charAt(i);
            if ((c == '.' || c == '!' || c == '?' || c == '\n') && ++ends == 2) {
                return text.substring(0, i + 1);
            }
        }
        return text.substring(0, Math.min(text.length(), OPENING_CHARS));
    }
}
