package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AbstentionDetectorTest {

    private final AbstentionDetector detector = new AbstentionDetector();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "I don't know.",
                "i dont know",
                "  **I do not know** the answer to that.",
                "I'm not sure.",
                "Hmm, I'm not certain about this one.",
                "I cannot answer that question.",
                "I can't really help with that.",
                "I'm sorry, but I can't assist with that request.",
                "Sorry, I am unable to determine the answer.",
                "As an AI language model, I don't have access to real-time data.",
                "Unfortunately, I do not have enough information to answer.",
                "I have no idea.",
                "That is a good question. I'm not sure it can be answered from what you gave me.",
                "There is not enough information to decide.",
                "Unknown",
                "IDK",
                "",
                "   "
            })
    void spotsAbstentionsAndRefusals(String text) {
        assertThat(detector.abstains(answer(text))).as(text).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Paris.",
                "The answer is (B).",
                "def median(a, b, c):\n    return sorted([a, b, c])[1]",
                "Option 2: the trophy does not fit because it is too big.",
                "Paris is the capital. Many people don't know that Lyon is older. I can't stress enough how old it is.",
                "Known unknowns are hard, but the answer is 42.",
                "I know this one: it is 7."
            })
    void letsRealAnswersThrough(String text) {
        assertThat(detector.abstains(answer(text))).as(text).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Paris", ""})
    void aFilteredAnswerAbstainsAndAToolCallDoesNot(String text) {
        assertThat(detector.abstains(new ChatAnswer("m", text, null, FinishReason.CONTENT_FILTER, null, null, 0, null)))
                .isTrue();
        assertThat(detector.abstains(new ChatAnswer(
                        "m", text, List.of(new ToolCall("1", "lookup", "{}")), null, null, null, 0, null)))
                .isFalse();
    }

    private static ChatAnswer answer(String text) {
        return new ChatAnswer("m", text, null, null, null, null, 0, null);
    }
}
