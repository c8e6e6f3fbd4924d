package dev.ponder.router.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * A weak/strong pair evaluated on outcome rows: the router's curve, the random and oracle baselines and, when the
 * rows hold the weak model's answers and a scorer is given, the cascade (answer weak, escalate when the scorer
 * doubts). Costs are the rows' cost_usd when every row has them for both models, else the share of strong calls.
 *
 * <p>When the rows come from more than one source, {@code withinSource} is the router's curve with each score replaced
 * by its percentile among its own source's scores (and {@code cascadeWithinSource} the same for the cascade's doubt). A
 * router can earn its APGR by knowing which task or subject is hard for the weak model; this curve takes that knowledge
 * away and keeps only its ranking of one task's prompts against each other, which is all a router has on traffic of a
 * single kind. 0.5 is no skill at that.
 */
public record PairEvaluation(
        String weak,
        String strong,
        int n,
        boolean realCosts,
        RoutingCurve router,
        RoutingCurve random,
        RoutingCurve oracle,
        RoutingCurve withinSource,
        RoutingCurve cascade,
        RoutingCurve cascadeWithinSource) {

    /**
     * @param rows rows holding both models
     * @param routerScore difficulty per row (higher = strong)
     * @param doubt for the cascade, 1 - P(weak answer good enough) from the row's weak response; null to skip
     */
    public static PairEvaluation of(
            List<OutcomeRow> rows,
            String weak,
            String strong,
            ToDoubleFunction<OutcomeRow> routerScore,
            ToDoubleFunction<OutcomeRow> doubt) {
        int n = rows.size();
        if (n == 0) {
            throw new IllegalArgumentException("no rows hold both '" + weak + "' and '" + strong + "'");
        }
        double[] w = new double[n], s = new double[n], score = new double[n], gain = new double[n];
        double[] wc = new double[n], sc = new double[n], cascadeCost = new double[n];
        boolean costs = rows.stream()
                .allMatch(r ->
                        r.outcome(weak).costUsd() != null && r.outcome(strong).costUsd() != null);
        for (int i = 0; i < n; i++) {
            OutcomeRow r = rows.get(i);
            w[i] = r.score(weak);
            s[i] = r.score(strong);
            gain[i] = s[i] - w[i];
            score[i] = routerScore.applyAsDouble(r);
            wc[i] = costs ? r.outcome(weak).costUsd() : 0;
            sc[i] = costs ? r.outcome(strong).costUsd() : 1;
            cascadeCost[i] = wc[i] + sc[i];
        }
        List<List<Integer>> sources = sources(rows);
        double[] within = sources == null ? null : percentiles(sources, score);
        RoutingCurve cascade = null;
        RoutingCurve cascadeWithin = null;
        if (doubt != null && rows.stream().allMatch(r -> r.outcome(weak).response() != null)) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = doubt.applyAsDouble(rows.get(i));
            }
            cascade = RoutingCurve.of(d, w, s, wc, cascadeCost);
            if (sources != null) {
                cascadeWithin = RoutingCurve.of(percentiles(sources, d), w, s, wc, cascadeCost);
            }
        }
        return new PairEvaluation(
                weak,
                strong,
                n,
                costs,
                RoutingCurve.of(score, w, s, wc, sc),
                RoutingCurve.of(new double[n], w, s, wc, sc),
                RoutingCurve.of(gain, w, s, wc, sc),
                within == null ? null : RoutingCurve.of(within, w, s, wc, sc),
                cascade,
                cascadeWithin);
    }

    /** The rows' indices grouped by source, or null when every row has the same source. */
    private static List<List<Integer>> sources(List<OutcomeRow> rows) {
        Map<String, List<Integer>> bySource = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            bySource.computeIfAbsent(rows.get(i).source(), k -> new ArrayList<>())
                    .add(i);
        }
        return bySource.size() < 2 ? null : List.copyOf(bySource.values());
    }

    /** Each score's percentile among the scores of its own source. */
    private static double[] percentiles(List<List<Integer>> sources, double[] score) {
        double[] percentile = new double[score.length];
        for (List<Integer> source : sources) {
            List<Integer> group = new ArrayList<>(source);
            group.sort(Comparator.comparingDouble(i -> score[i]));
            int m = group.size();
            for (int lo = 0; lo < m; ) {
                int hi = lo;
                while (hi + 1 < m && score[group.get(hi + 1)] == score[group.get(lo)]) {
                    hi++;
                }
                // Tied scores share their mean rank, so a score that is constant within a source says nothing there.
                double p = (lo + hi + 1) / (2.0 * m);
                for (int k = lo; k <= hi; k++) {
                    percentile[group.get(k)] = p;
                }
                lo = hi + 1;
            }
        }
        return percentile;
    }

    /** How many resamples {@code eval} and the model card's held-out figures draw, and from which seed. */
    public static final int RESAMPLES = 1000;

    public static final long BOOTSTRAP_SEED = 1;

    /**
     * The router's APGR over resamples of the rows: its standard error (half the central 68% of the resamples) and
     * 95% percentile interval.
     */
    public record Interval(double standardError, double low, double high, int resamples) {
        /** Under their report keys, rounded as the other metrics: apgr_se, apgr_ci95_low, apgr_ci95_high. */
        public Map<String, Double> metrics() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("apgr_se", round(standardError));
            m.put("apgr_ci95_low", round(low));
            m.put("apgr_ci95_high", round(high));
            return m;
        }
    }

    /**
     * A bootstrap of the router's APGR: {@code resamples} draws of the rows with replacement, seeded, so the same call
     * gives the same interval. Draws whose two models tie in mean quality (no gap, no APGR) are left out; null when
     * fewer than two are left.
     */
    public static Interval apgrInterval(
            List<OutcomeRow> rows,
            String weak,
            String strong,
            ToDoubleFunction<OutcomeRow> routerScore,
            int resamples,
            long seed) {
        int n = rows.size();
        double[] w = new double[n], s = new double[n], score = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = rows.get(i).score(weak);
            s[i] = rows.get(i).score(strong);
            score[i] = routerScore.applyAsDouble(rows.get(i));
        }
        double[] dw = new double[n],
                ds = new double[n],
                dScore = new double[n],
                zero = new double[n],
                one = new double[n];
        Arrays.fill(one, 1);
        SplittableRandom random = new SplittableRandom(seed);
        double[] apgr = new double[resamples];
        int k = 0;
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                int j = random.nextInt(n);
                dw[i] = w[j];
                ds[i] = s[j];
                dScore[i] = score[j];
            }
            double a = RoutingCurve.of(dScore, dw, ds, zero, one).apgr();
            if (Double.isFinite(a)) {
                apgr[k++] = a;
            }
        }
        if (k < 2) {
            return null;
        }
        double[] kept = Arrays.copyOf(apgr, k);
        Arrays.sort(kept);
        // Half the central 68% of the resamples, not their standard deviation: the two agree when the spread is normal,
        // but a resample whose gap is nearly zero has an APGR of any size, and one such draw would swamp the deviation.
        double standardError = (kept[(int) Math.ceil(0.8413 * (k - 1))] - kept[(int) Math.floor(0.1587 * (k - 1))]) / 2;
        return new Interval(
                standardError, kept[(int) Math.floor(0.025 * (k - 1))], kept[(int) Math.ceil(0.975 * (k - 1))], k);
    }

    /**
     * The metrics under their report keys (rounded to 4 decimals): apgr, cpt50, cpt80 and aiq for the router and with
     * random_, oracle_ and (if evaluated) cascade_ prefixes; within_source_apgr (and cascade_within_source_apgr) when
     * the rows have more than one source; weak_quality and strong_quality. A metric that is undefined on these rows is
     * null: PGR, hence APGR and CPT, when the two models' mean qualities are equal.
     */
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        curve(m, "", router);
        curve(m, "random_", random);
        curve(m, "oracle_", oracle);
        if (withinSource != null) {
            m.put("within_source_apgr", round(withinSource.apgr()));
        }
        if (cascade != null) {
            curve(m, "cascade_", cascade);
            if (cascadeWithinSource != null) {
                m.put("cascade_within_source_apgr", round(cascadeWithinSource.apgr()));
            }
        }
        m.put("weak_quality", round(router.weakQuality()));
        m.put("strong_quality", round(router.strongQuality()));
        return m;
    }

    private static void curve(Map<String, Double> m, String prefix, RoutingCurve c) {
        m.put(prefix + "apgr", round(c.apgr()));
        m.put(prefix + "cpt50", round(c.cpt(0.5)));
        m.put(prefix + "cpt80", round(c.cpt(0.8)));
        m.put(prefix + "aiq", round(c.aiq()));
    }

    /**
     * A reported figure, to 4 decimals; null when undefined (NaN, or a ratio to a strong quality of 0): Math.round
     * would turn it into a plausible number.
     */
    public static Double round(double v) {
        return round(v, 4);
    }

    /** The same rule to {@code decimals} places: a cost in USD per query (0.00008) needs more than 4. */
    public static Double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Double.isFinite(v) ? Math.round(v * scale) / scale : null;
    }
}
