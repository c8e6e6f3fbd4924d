package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MiniLmEncoderTest {
    private static final MiniLmEncoder ENCODER = MiniLmEncoder.load();

    @Test
    void theTwoEndsOfALongPromptGiveTheWindowTheWholePromptWould() {
        String shots =
                "Question: Which gas do plants absorb?\nA. O2 B. CO₂ (carbon-dioxide) C. N2\nAnswer: B\n\n".repeat(20);
        String prompt = "Solve the following problems; think step by step. " + shots
                + "Question: Whát is the antiderivative of x^2 · e^x over [0, 1]?\nAnswer:";

        for (int window : new int[] {40, 96, MiniLmEncoder.MAX_TOKENS}) {
            assertThat(MiniLmEncoder.window(ENCODER.pieces(prompt, window), window))
                    .isEqualTo(MiniLmEncoder.window(ENCODER.ids(prompt), window));
        }
        assertThat(ENCODER.pieces(prompt, 40)).hasSize(38).isNotEqualTo(ENCODER.ids(prompt));
    }

    @Test
    void aShortOrUnbrokenPromptIsTokenizedWhole() {
        String unbroken = "x".repeat(3000);

        assertThat(ENCODER.pieces("What is 2 + 2?", 40)).isEqualTo(ENCODER.ids("What is 2 + 2?"));
        assertThat(ENCODER.pieces(unbroken, 40)).isEqualTo(ENCODER.ids(unbroken));
    }
}
