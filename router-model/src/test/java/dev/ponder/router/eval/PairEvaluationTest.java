package dev.ponder.router.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class PairEvaluationTest {

    private static List<OutcomeRow> rows(double[] weak, double[] strong) {
        return rows(weak, strong, i -> "");
    }

    private static List<OutcomeRow> rows(double[] weak, double[] strong, IntFunction<String> source) {
        List<OutcomeRow> rows = new ArrayList<>();
        for (int i = 0; i < weak.length; i++) {
            rows.add(new OutcomeRow(
                    "r" + i,
                    source.apply(i),
                    "all",
                    "prompt " + i,
                    Map.of("w", new Outcome(weak[i], null, "answer " + i), "s", new Outcome(strong[i], null, null))));
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

    // Two sources: "easy" (rows 0-3, the weak model always right) and "hard" (rows 4-7, weak always wrong, strong
    // right on 4 and 5 only). Every gain is in "hard", so knowing the source is worth a lot of APGR.
    private static final double[] WEAK = {1, 1, 1, 1, 0, 0, 0, 0};
    private static final double[] STRONG = {1, 1, 1, 1, 1, 1, 0, 0};

    @Test
    void aRouterThatOnlyKnowsTheSourceHasNoWithinSourceSkill() {
        List<OutcomeRow> eight = rows(WEAK, STRONG, i -> i < 4 ? "easy" : "hard");

        Map<String, Double> m = PairEvaluation.of(
                        eight, "w", "s", r -> r.source().equals("hard") ? 1 : 0, null)
                .metrics();

        assertThat(m).containsEntry("apgr", 0.75).containsEntry("within_source_apgr", 0.5);
    }

    @Test
    void withinSourceRankingIsCreditedWhateverTheSourcesLevels() {
        // Ranks "hard" rows 4 and 5 (the ones strong fixes) first within their source, but scores all of "easy"
        // above all of "hard": the pooled curve suffers, the within-source curve sees a perfect ranking in "hard" and
        // nothing to gain in "easy". Percentiles: easy rows 1/8..7/8, hard rows 4, 5 at 7/8 and 5/8, rows 6, 7 lower.
        List<OutcomeRow> eight = rows(WEAK, STRONG, i -> i < 4 ? "easy" : "hard");
        double[] score = {10, 11, 12, 13, 4, 3, 2, 1};

        PairEvaluation e = PairEvaluation.of(eight, "w", "s", r -> score[Integer.parseInt(r.id().substring(1))], null);

        assertThat(e.metrics()).containsEntry("apgr", 0.375).containsEntry("within_source_apgr", 0.75);
    }

    @Test
    void theCascadesDoubtIsRankedWithinSourcesToo() {
        List<OutcomeRow> eight = rows(WEAK, STRONG, i -> i < 4 ? "easy" : "hard");
        double[] doubt = {10, 11, 12, 13, 4, 3, 2, 1};

        Map<String, Double> m = PairEvaluation.of(
                        eight, "w", "s", r -> 0, r -> doubt[Integer.parseInt(r.id().substring(1))])
                .metrics();

        assertThat(m).containsEntry("within_source_apgr", 0.5).containsEntry("cascade_within_source_apgr", 0.75);
    }

    @Test
    void theBootstrapIntervalIsSeededAndAConstantRouterIsExactlyRandomInEveryResample() {
        List<OutcomeRow> eight = rows(WEAK, STRONG, i -> i < 4 ? "easy" : "hard");
        ToDoubleFunction<OutcomeRow> ranked = r -> Integer.parseInt(r.id().substring(1)) % 5;

        PairEvaluation.Interval a = PairEvaluation.apgrInterval(eight, "w", "s", ranked, 200, 7);
        PairEvaluation.Interval b = PairEvaluation.apgrInterval(eight, "w", "s", ranked, 200, 7);
        PairEvaluation.Interval constant = PairEvaluation.apgrInterval(eight, "w", "s", r -> 0, 200, 7);

        assertThat(a).isEqualTo(b);
        assertThat(a.standardError()).isPositive();
        assertThat(a.low()).isLessThan(a.high());
        // Draws with no gap between the models (no APGR) are left out, the others counted.
        assertThat(a.resamples()).isBetween(150, 200);
        assertThat(constant.standardError()).isZero();
        assertThat(constant.low()).isEqualTo(0.5);
        assertThat(constant.high()).isEqualTo(0.5);
    }

    @Test
    void theStandardErrorStaysWithinTheIntervalWhenSomeResamplesAlmostCancelTheGap() {
        // Fractional scores whose means nearly tie: some resamples' gap is a rounding error, so their APGR is
        // astronomically large, which a plain standard deviation would report as the error.
        double[] weak = new double[60], strong = new double[60];
        for (int i = 0; i < 60; i++) {
            weak[i] = ((i * 37 + 13) % 100) / 100.0;
            strong[i] = ((i * 61 + 7) % 100) / 100.0;
        }

        PairEvaluation.Interval interval = PairEvaluation.apgrInterval(
                rows(weak, strong), "w", "s", r -> r.prompt().length(), 1000, 1);

        assertThat(interval.standardError()).isLessThanOrEqualTo(interval.high() - interval.low());
    }

    @Test
    void withNoGapInAnyResampleThereIsNoInterval() {
        List<OutcomeRow> tied = rows(new double[] {1, 0, 1}, new double[] {1, 0, 1});

        assertThat(PairEvaluation.apgrInterval(tied, "w", "s", r -> 0, 50, 1)).isNull();
    }

    @Test
    void oneSourceHasNoWithinSourceFigure() {
        Map<String, Double> m =
                PairEvaluation.of(rows(WEAK, STRONG), "w", "s", r -> 0, null).metrics();

        assertThat(m).doesNotContainKey("within_source_apgr").doesNotContainKey("cascade_within_source_apgr");
    }
}
