package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.router.eval.Outcome;
import dev.ponder.router.eval.OutcomeRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrainScoresTest {

    private static final LearningProperties.Retrain DEFAULTS =
            new LearningProperties.Retrain(null, null, null, null, null, null, null, null, null, null, null);

    @Test
    void aPairWhoseWeakModelWasRightEverywhereLeavesThePooledApgrToThePairsThatHaveAGap() {
        // The hard prompts (score 0.9) are the ones the weak model got wrong: a useful router on this pair.
        List<RetrainJob.Holdout> informative = new ArrayList<>();
        double[] weak = {0, 1, 0, 1, 1, 0};
        for (int i = 0; i < weak.length; i++) {
            informative.add(holdout("gap-" + i, "small", weak[i], weak[i] == 0 ? 0.9 : 0.1));
        }
        List<RetrainJob.Holdout> both = new ArrayList<>(informative);
        for (int i = 0; i < 3; i++) {
            both.add(holdout("no-gap-" + i, "medium", 1, 0.5));
        }

        RetrainJob.Scores pooled = RetrainJob.Scores.of(both, RetrainScoresTest::difficulty, DEFAULTS);

        assertThat(pooled.apgr())
                .as("medium was as good as large on all its rows: no gap, no APGR, nothing to say about the router")
                .isNotNaN()
                .isEqualTo(RetrainJob.Scores.of(informative, RetrainScoresTest::difficulty, DEFAULTS)
                        .apgr());
        assertThat(pooled.n()).isEqualTo(9);
    }

    private static RetrainJob.Holdout holdout(String id, String weakModel, double weakScore, double difficulty) {
        OutcomeRow row = new OutcomeRow(
                id,
                "ponder/labels",
                "test",
                "prompt " + id + " " + difficulty,
                Map.of(weakModel, new Outcome(weakScore, null, null), "large", new Outcome(1, null, null)));
        return new RetrainJob.Holdout(row, weakModel, "large", null, -1);
    }

    /** The router's score, carried in the prompt. */
    private static double difficulty(RetrainJob.Holdout h) {
        String prompt = h.prompt();
        return Double.parseDouble(prompt.substring(prompt.lastIndexOf(' ') + 1));
    }
}
