package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JudgeTest {

    private final Judge exactOnly = new Judge(null, null, 40);

    @Test
    void multipleChoiceLettersMatchWhateverTheirPunctuation() {
        assertThat(exactOnly.grade("q", "B) wet palms", "b").orElseThrow().score())
                .isEqualTo(1);
        assertThat(exactOnly.grade("q", "Answer: (C)", "C.").orElseThrow().score())
                .isEqualTo(1);
        assertThat(exactOnly.grade("q", "A", "B").orElseThrow().score()).isZero();
    }

    @Test
    void numbersMatchNumerically() {
        Judge.Grade grade = exactOnly.grade("q", "1,000.0", "1000").orElseThrow();

        assertThat(grade.score()).isEqualTo(1);
        assertThat(grade.judge()).isEqualTo("numeric");
        assertThat(exactOnly.grade("q", "42", "43").orElseThrow().score()).isZero();
    }

    @Test
    void longAnswersWithoutAJudgeBackendAreNotLabelled() {
        String essay = "It depends on many things, among them the weather and the season.";

        assertThat(exactOnly.grade("q", essay, essay + " Also the time.")).isEmpty();
    }

    @Test
    void longAnswersGoToTheJudgeBackendWithBothAnswersInTheGradingPrompt() {
        List<String> prompts = new ArrayList<>();
        ModelBackend grader = new ModelBackend() {
            @Override
            public BackendInfo info() {
                return new BackendInfo("grader", "test", "grader-1", null, null);
            }

            @Override
            public ChatAnswer chat(ChatRequest request) {
                prompts.add(request.lastUserText());
                return new ChatAnswer("grader-1", "NO, it misses the point.", null, null, null, null, 0.002, null);
            }
        };
        Judge judge = new Judge("grader", grader, 10);

        Judge.Grade grade = judge.grade("Why is the sky blue?", "Because it is.", "Rayleigh scattering of sunlight")
                .orElseThrow();

        assertThat(grade).isEqualTo(new Judge.Grade(0, "judge:grader", 0.002));
        assertThat(prompts.getFirst())
                .contains("Why is the sky blue?", "Because it is.", "Rayleigh scattering of sunlight");
    }
}
