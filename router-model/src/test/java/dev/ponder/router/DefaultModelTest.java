package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import dev.ponder.router.eval.PairEvaluation;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultModelTest {
    @Test
    void theBundledModelLoadsWithItsChecksumVersionAndAttribution() throws IOException {
        RouterModel model = RouterModel.loadDefault();

        try (InputStream bin = RouterModel.class.getResourceAsStream(RouterModel.DEFAULT_RESOURCE + ".bin")) {
            assertThat(model.checksum()).isEqualTo(Artifact.sha256(bin.readAllBytes()));
        }
        assertThat(model.version()).startsWith("default-");
        assertThat(model.modelCard()).contains("RouterBench", "RouteLLM", "\"held_out\"");
        assertThat(AnswerScorer.loadDefault()).isSameAs(model.answerScorer());
    }

    @Test
    void theBundledModelBeatsRandomOnUnseenMmluSubjects() throws IOException, URISyntaxException {
        // Every 32nd row of the MMLU subjects the default model never trained on (see its card's held_out_sources).
        Path sample =
                Path.of(getClass().getResource("mmlu-heldout-sample.jsonl").toURI());
        List<OutcomeRow> rows = OutcomeFile.read(sample);
        RouterModel model = RouterModel.loadDefault();

        PairEvaluation e = PairEvaluation.of(
                rows, "mixtral-8x7b-instruct-v0.1", "gpt-4-1106-preview", r -> model.difficulty(r.prompt()), null);

        assertThat(e.n()).isGreaterThan(200);
        assertThat(e.router().apgr()).isGreaterThan(e.random().apgr());
    }

    @Test
    void scoresAreProbabilitiesAndRepeatPromptsHitTheCache() {
        RouterModel model = RouterModel.loadDefault();
        String prompt = "What is the derivative of x^3 * ln(x)?";

        double first = model.difficulty(prompt);

        assertThat(first).isBetween(0.0, 1.0);
        assertThat(model.difficulty(prompt)).isEqualTo(first).isEqualTo(model.score(prompt));
        assertThat(model.answerScorer().goodEnough(prompt, "3x^2 ln(x) + x^2")).isBetween(0.0, 1.0);
    }
}
