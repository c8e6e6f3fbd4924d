package dev.ponder.router.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PairEvaluationTest {

    private static List<OutcomeRow> rows(double[] weak, double[] strong) {
        List<OutcomeRow> rows = new ArrayList<>();
        for (int i = 0; i < weak.length; i++) {
            rows.add(new OutcomeRow(
                    "r" + i,
                    "",
                    "all",
                    "prompt " + i,
                    Map.of("w", new Outcome(weak[i], null, null), "s", new Outcome(strong[i], null, null))));
        }
        return rows;
    }

    @Test
    void withNoQualityGapTheGapMetricsAreNullNotZero() {
        // Weak and strong tie on every row: there is no gap to recover, so PGR has no value.
        List<OutcomeRow> tied = rows(new double[] {1, 0, 1, 1}, new double[] {1, 0, 1, 1});

        Map<String, Double> m = PairEvaluation.of(
                        tied, "w", "s", r -> r.prompt().length(), null)
                .metrics();

        assertThat(m)
                .containsEntry("apgr", null)
                .containsEntry("cpt50", null)
                .containsEntry("random_apgr", null)
                .containsEntry("oracle_cpt80", null)
                .contains(entry("aiq", 0.75), entry("weak_quality", 0.75));
    }

    @Test
    void fiveRowsGiveTheHandComputedBaselines() {
        // weak .6, strong .8. The oracle sends the two rows strong fixes first (quality 1.0, PGR 2 at share .4), the
        // two ties next (PGR 2 at share .8), then the row strong gets wrong (PGR 1): area .4 + .8 + .3 = 1.5.
        List<OutcomeRow> five = rows(new double[] {0, 0, 1, 1, 1}, new double[] {1, 1, 1, 1, 0});

        Map<String, Double> m = PairEvaluation.of(five, "w", "s", r -> 0, null).metrics();

        assertThat(m).contains(entry("oracle_apgr", 1.5), entry("random_apgr", 0.5), entry("apgr", 0.5));
        assertThat(m).contains(entry("oracle_cpt50", 0.1), entry("random_cpt80", 0.8));
    }
}
