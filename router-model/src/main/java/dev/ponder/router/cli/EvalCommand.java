package dev.ponder.router.cli;

import dev.ponder.router.RouterModel;
import dev.ponder.router.Training;
import dev.ponder.router.eval.Calibration;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import dev.ponder.router.eval.PairEvaluation;
import dev.ponder.router.eval.RoutingCurve;
import dev.ponder.router.eval.SvgPlot;
import dev.ponder.router.eval.TierSweep;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code eval --data FILE --weak MODEL --strong MODEL [...]}: the router's curve, metrics and calibrated point. */
final class EvalCommand {
    static final String USAGE = "eval --data FILE --weak MODEL --strong MODEL [--router NAME.bin] [--tiers M1,M2,...]"
            + " [--out DIR] [--rows all|heldout] [--target-quality 0.95] [--delta 0.1] [--target-share S]"
            + " [--calibration-fraction 0.5] [--bootstrap 1000]";
    private static final Set<String> OPTIONS = Set.of(
            "data",
            "weak",
            "strong",
            "router",
            "tiers",
            "out",
            "rows",
            "target-quality",
            "delta",
            "target-share",
            "calibration-fraction",
            "bootstrap");

    private static final JsonMapper JSON = JsonMapper.shared();
    /** A cost in USD per query is a few hundred-thousandths: as many decimals as sweep.csv's cost column. */
    private static final int COST_DECIMALS = 8;

    private EvalCommand() {}

    static int run(String[] argv, PrintStream out) throws IOException {
        Args a = Args.parse("eval", argv, 1, OPTIONS);
        List<Path> files = TrainCommand.files(a.required("data"));
        if (files.size() != 1) {
            throw new Args.UsageException("eval: --data takes one file, got " + files.size() + ": " + files);
        }
        Path data = files.getFirst();
        Path dir = a.has("out") ? Path.of(a.get("out", "")) : null;
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new Args.UsageException("eval: --out must name a directory, but " + dir + " is a file");
        }
        String weak = a.required("weak");
        String strong = a.required("strong");
        String rowsMode = a.get("rows", "all");
        if (!rowsMode.equals("all") && !rowsMode.equals("heldout")) {
            throw new Args.UsageException("eval: --rows must be all or heldout, got '" + rowsMode + "'");
        }
        double ratio = a.number("target-quality", 0.95, 0.01, 1);
        double delta = a.number("delta", 0.1, 1e-6, 0.5);
        double calibrationFraction = a.number("calibration-fraction", 0.5, 0.05, 0.95);
        int resamples = (int) a.number("bootstrap", PairEvaluation.RESAMPLES, 0, 100_000);
        List<String> tiers = a.has("tiers") ? TrainCommand.split(a.get("tiers", "")) : List.of();
        if (a.has("tiers") && tiers.size() < 2) {
            throw new Args.UsageException("eval: --tiers needs at least two models, got '" + a.get("tiers", "") + "'");
        }
        RouterModel model =
                a.has("router") ? RouterModel.load(Path.of(a.get("router", ""))) : RouterModel.loadDefault();

        List<OutcomeRow> read = OutcomeFile.read(data);
        List<OutcomeRow> rows = read.stream().filter(r -> r.has(weak, strong)).toList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(data + ": none of its " + read.size() + " rows holds both '" + weak
                    + "' and '" + strong + "' (models in the file: " + models(read) + ")");
        }
        int withBoth = rows.size();
        if (rowsMode.equals("heldout")) {
            rows = rows.stream()
                    .filter(Training.unseenBy(model.modelCard(), data))
                    .toList();
            if (rows.isEmpty()) {
                throw new IllegalArgumentException(data + ": the router trained on all " + withBoth
                        + " rows holding both models (--rows heldout leaves none)");
            }
        }
        // Each row is scored once: the Caffeine cache holds 10k prompts, and the curves, the calibration halves and
        // the tiers would otherwise run the encoder three or four times per row of a larger file.
        Map<OutcomeRow, Double> difficulties = new IdentityHashMap<>();
        Map<OutcomeRow, Double> doubts = new IdentityHashMap<>();
        ToDoubleFunction<OutcomeRow> difficulty =
                r -> difficulties.computeIfAbsent(r, x -> model.difficulty(x.prompt()));
        ToDoubleFunction<OutcomeRow> doubt = r -> doubts.computeIfAbsent(
                r,
                x -> 1
                        - model.answerScorer()
                                .goodEnough(x.prompt(), x.outcome(weak).response()));
        PairEvaluation e = PairEvaluation.of(rows, weak, strong, difficulty, doubt);
        String unit = e.realCosts() ? "USD per query" : "share of strong calls (cost_usd not on every row for both)";

        out.printf(Locale.ROOT, "router %s (%s)%n", model.version(), model.checksum());
        out.printf(
                Locale.ROOT,
                "data %s: %d rows read, %d without both models skipped%s, %d evaluated%n",
                data.getFileName(),
                read.size(),
                read.size() - withBoth,
                rowsMode.equals("heldout") ? ", " + (withBoth - rows.size()) + " the router trained on skipped" : "",
                e.n());
        out.printf(
                Locale.ROOT,
                "weak %s quality %.4f, strong %s quality %.4f; cost unit: %s%n",
                weak,
                e.router().weakQuality(),
                strong,
                e.router().strongQuality(),
                unit);
        if (e.router().strongQuality() == e.router().weakQuality()) {
            out.println("note: weak and strong have the same mean quality here, so there is no gap to recover:"
                    + " APGR and CPT are undefined (null in the JSON)");
        } else if (e.router().strongQuality() < e.router().weakQuality()) {
            out.println("note: the weak model scores higher than the strong one here; PGR is measured against a"
                    + " negative gap, so a lower APGR is the better router");
        }
        out.println("evaluated: router (difficulty before any call)"
                + (e.cascade() == null
                        ? "; cascade skipped (not every row holds the weak model's response)"
                        : " and cascade (weak answers first, answer scorer decides escalation)"));
        line(out, "router", e.router());
        // Null with --bootstrap 0 or 1 too: apgrInterval needs two resamples with a gap.
        PairEvaluation.Interval interval =
                PairEvaluation.apgrInterval(rows, weak, strong, difficulty, resamples, PairEvaluation.BOOTSTRAP_SEED);
        if (interval != null) {
            out.printf(
                    Locale.ROOT,
                    "         APGR 95%% interval %.4f to %.4f, standard error %.4f (bootstrap: %d resamples of the"
                            + " rows)%n",
                    interval.low(),
                    interval.high(),
                    interval.standardError(),
                    interval.resamples());
        }
        line(out, "random", e.random());
        line(out, "oracle", e.oracle());
        if (e.cascade() != null) {
            line(out, "cascade", e.cascade());
        }
        if (e.withinSource() != null) {
            out.printf(
                    Locale.ROOT,
                    "within sources: router APGR %.4f%s (each score ranked only against its own source's rows: 0.5"
                            + " means it tells sources apart but not the prompts of one source)%n",
                    e.withinSource().apgr(),
                    e.cascadeWithinSource() == null
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    ", cascade APGR %.4f",
                                    e.cascadeWithinSource().apgr()));
        }

        ObjectNode json = JSON.createObjectNode();
        json.put("n", e.n());
        json.put("rows_read", read.size());
        json.put("weak", weak);
        json.put("strong", strong);
        json.put("router_version", model.version());
        e.metrics().forEach((k, v) -> json.put(k, v));
        if (interval != null) {
            interval.metrics().forEach(json::put);
        }
        json.put("cost_unit", e.realCosts() ? "usd" : "strong_share");
        json.put("evaluated", e.cascade() == null ? "router" : "router+cascade");

        calibrate(a, rows, weak, strong, difficulty, doubt, ratio, delta, calibrationFraction, out, json);

        if (dir != null) {
            Files.createDirectories(dir);
            writeSweep(dir.resolve("sweep.csv"), e);
            Files.writeString(
                    dir.resolve("sweep.svg"), plot(e, data.getFileName().toString()));
            out.println("wrote " + dir.resolve("sweep.csv") + " and " + dir.resolve("sweep.svg"));
        }
        if (!tiers.isEmpty()) {
            tiers(rows, tiers, difficulty, dir, out, json);
        }
        out.println(JSON.writeValueAsString(json));
        return 0;
    }

    private static void calibrate(
            Args a,
            List<OutcomeRow> rows,
            String weak,
            String strong,
            ToDoubleFunction<OutcomeRow> difficulty,
            ToDoubleFunction<OutcomeRow> doubt,
            double ratio,
            double delta,
            double fraction,
            PrintStream out,
            ObjectNode json) {
        List<OutcomeRow> calibration = new ArrayList<>();
        List<OutcomeRow> rest = new ArrayList<>();
        // A stable coin per row, tossed on its id: calibration and measurement never share rows. Rows whose id is
        // missing or not unique would all land on one side, so they toss it on their id and position.
        Map<String, Long> ids = rows.stream().collect(Collectors.groupingBy(OutcomeRow::id, Collectors.counting()));
        for (int i = 0; i < rows.size(); i++) {
            OutcomeRow r = rows.get(i);
            String key = r.id().isEmpty() || ids.get(r.id()) > 1 ? r.id() + "#" + i : r.id();
            (Math.floorMod(key.hashCode() * 0x9E3779B1, 1000) < fraction * 1000 ? calibration : rest).add(r);
        }
        if (calibration.size() < 5 || rest.size() < 5) {
            out.printf(
                    "calibration skipped: it needs 5 rows on each side of the split, got %d and %d%n",
                    calibration.size(), rest.size());
            json.putNull("calibrated");
            return;
        }
        PairEvaluation cal = PairEvaluation.of(calibration, weak, strong, difficulty, doubt);
        PairEvaluation test = PairEvaluation.of(rest, weak, strong, difficulty, doubt);
        Calibration.Result c;
        if (a.has("target-share")) {
            c = Calibration.forStrongShare(cal.router(), a.number("target-share", 0.5, 0, 1));
        } else {
            double[] s = calibration.stream().mapToDouble(difficulty).toArray();
            double[] w = calibration.stream().mapToDouble(r -> r.score(weak)).toArray();
            double[] st = calibration.stream().mapToDouble(r -> r.score(strong)).toArray();
            c = Calibration.forQuality(s, w, st, ratio, delta);
        }
        RoutingCurve.Point p = test.router().at(c.threshold());
        // The test starts at all-strong, which loses nothing: when even that fails, the rows are too few for the
        // target and delta, and Calibration falls back to all-strong anyway. Its ratio of 1.0 then holds by
        // construction, not by the test, which "guaranteed: false" beside it left unsaid.
        String chosenBy = a.has("target-share") ? "target_share" : c.guaranteed() ? "test" : "fallback_all_strong";
        out.printf(
                Locale.ROOT,
                "calibrated on %d rows for %s: threshold %.4f, strong share %.3f, quality %.3f of strong%s%n",
                calibration.size(),
                c.target(),
                c.threshold(),
                c.strongShare(),
                c.qualityRatio(),
                switch (chosenBy) {
                    case "test" ->
                        String.format(
                                Locale.ROOT,
                                "; guarantee: quality >= %.3f of strong with confidence %.2f",
                                c.guaranteedRatio(),
                                1 - delta);
                    case "fallback_all_strong" ->
                        String.format(
                                Locale.ROOT,
                                "; no threshold passed the test, not even all-strong (%d rows are too few for"
                                        + " this target and delta), so this is the fallback: every call to strong,"
                                        + " which keeps %.3f of strong's quality by construction, not by the test",
                                calibration.size(),
                                c.guaranteedRatio());
                    default -> "";
                });
        out.printf(
                Locale.ROOT,
                "at that threshold on the other %d rows: strong share %.3f, quality %.4f (%.3f of strong), cost %.6f%n",
                rest.size(),
                p.strongShare(),
                p.quality(),
                p.quality() / test.router().strongQuality(),
                p.cost());
        ObjectNode cj = json.putObject("calibrated");
        cj.put("target", c.target());
        cj.put("threshold", PairEvaluation.round(c.threshold()));
        cj.put("calibration_rows", calibration.size());
        cj.put("chosen_by", chosenBy);
        cj.put("guaranteed", c.guaranteed());
        cj.put("guaranteed_ratio", PairEvaluation.round(c.guaranteedRatio()));
        cj.put("test_rows", rest.size());
        cj.put("strong_share", PairEvaluation.round(p.strongShare()));
        cj.put("quality", PairEvaluation.round(p.quality()));
        cj.put("quality_ratio", PairEvaluation.round(p.quality() / test.router().strongQuality()));
        cj.put("cost", PairEvaluation.round(p.cost(), COST_DECIMALS));
    }

    private static void tiers(
            List<OutcomeRow> pairRows,
            List<String> tiers,
            ToDoubleFunction<OutcomeRow> difficulty,
            Path dir,
            PrintStream out,
            ObjectNode json)
            throws IOException {
        String[] names = tiers.toArray(String[]::new);
        List<OutcomeRow> rows = pairRows.stream().filter(r -> r.has(names)).toList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no row holds all tiers " + tiers + " (check the model names)");
        }
        boolean costs = rows.stream()
                .allMatch(r -> tiers.stream().allMatch(m -> r.outcome(m).costUsd() != null));
        double[] score = rows.stream().mapToDouble(difficulty).toArray();
        double[][] q = new double[rows.size()][names.length];
        double[][] c = new double[rows.size()][names.length];
        for (int i = 0; i < rows.size(); i++) {
            for (int t = 0; t < names.length; t++) {
                q[i][t] = rows.get(i).score(names[t]);
                // Without cost data, tier i costs i/(N-1): the policy's position between cheapest and dearest.
                c[i][t] = costs ? rows.get(i).outcome(names[t]).costUsd() : t / (double) (names.length - 1);
            }
        }
        List<TierSweep.Point> points = TierSweep.sweep(score, q, c);
        List<TierSweep.Point> frontier = TierSweep.frontier(points);
        out.printf(
                Locale.ROOT,
                "tiers %s on %d rows (cost unit: %s): %d threshold tuples, %d on the frontier, AIQ %.4f%n",
                tiers,
                rows.size(),
                costs ? "USD per query" : "tier position 0..1, cost_usd not on every row for every tier",
                points.size(),
                frontier.size(),
                TierSweep.aiq(points));
        ObjectNode tj = json.putObject("tiers");
        tj.put("n", rows.size());
        tj.put("aiq", PairEvaluation.round(TierSweep.aiq(points)));
        tj.put("cost_unit", costs ? "usd" : "tier_position");
        for (int t = 0; t < names.length; t++) {
            double[] onlyT = new double[names.length - 1];
            for (int k = 0; k < onlyT.length; k++) {
                onlyT[k] = k < t ? -1 : 2;
            }
            TierSweep.Point only = TierSweep.evaluate(onlyT, score, q, c);
            out.printf(Locale.ROOT, "  always %s: quality %.4f cost %.6f%n", names[t], only.quality(), only.cost());
        }
        if (dir != null) {
            StringBuilder csv = new StringBuilder("thresholds,shares,quality,cost,frontier\n");
            Set<TierSweep.Point> onFrontier = new HashSet<>(frontier);
            for (TierSweep.Point p : points) {
                csv.append(join(p.thresholds(), String::valueOf))
                        .append(',')
                        .append(join(p.shares(), v -> figure(v, 4)))
                        .append(',')
                        .append(figure(p.quality(), 4))
                        .append(',')
                        .append(figure(p.cost(), COST_DECIMALS))
                        .append(',')
                        .append(onFrontier.contains(p))
                        .append('\n');
            }
            Files.writeString(dir.resolve("tiers.csv"), csv);
            out.println("wrote " + dir.resolve("tiers.csv"));
        }
    }

    /**
     * Space-separated in one CSV field. Thresholds keep full precision: a threshold is a real score, and a gateway
     * given it must put that row on the same side.
     */
    private static String join(double[] v, DoubleFunction<String> format) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : " ").append(format.apply(v[i]));
        }
        return s.append('"').toString();
    }

    /** A figure rounded by the report's one rule, written without an exponent (Double.toString gives 8.0E-5). */
    private static String figure(double v, int decimals) {
        return BigDecimal.valueOf(PairEvaluation.round(v, decimals)).toPlainString();
    }

    private static String models(List<OutcomeRow> rows) {
        Set<String> names = new TreeSet<>();
        rows.forEach(r -> names.addAll(r.outcomes().keySet()));
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static void line(PrintStream out, String name, RoutingCurve c) {
        out.printf(
                Locale.ROOT,
                "%-8s APGR %.4f  CPT(50%%) %.4f  CPT(80%%) %.4f  AIQ %.4f%n",
                name,
                c.apgr(),
                c.cpt(0.5),
                c.cpt(0.8),
                c.aiq());
    }

    private static void writeSweep(Path file, PairEvaluation e) throws IOException {
        StringBuilder csv = new StringBuilder("curve,threshold,strong_share,quality,cost,pgr\n");
        append(csv, "router", e.router());
        append(csv, "random", e.random());
        append(csv, "oracle", e.oracle());
        if (e.cascade() != null) {
            append(csv, "cascade", e.cascade());
        }
        Files.writeString(file, csv);
    }

    private static void append(StringBuilder csv, String name, RoutingCurve c) {
        for (RoutingCurve.Point p : c.points()) {
            csv.append(String.format(
                    Locale.ROOT,
                    "%s,%.6f,%.6f,%.6f,%.8f,%.6f%n",
                    name,
                    p.threshold(),
                    p.strongShare(),
                    p.quality(),
                    p.cost(),
                    p.pgr()));
        }
    }

    private static String plot(PairEvaluation e, String data) {
        List<SvgPlot.Series> series = new ArrayList<>();
        series.add(series("router", "#1f77b4", e.router()));
        if (e.cascade() != null) {
            series.add(series("cascade (scorer)", "#2ca02c", e.cascade()));
        }
        series.add(series("random", "#999999", e.random()));
        series.add(series("oracle", "#d62728", e.oracle()));
        return SvgPlot.render(data + ": " + e.weak() + " -> " + e.strong(), "share of strong calls", "quality", series);
    }

    private static SvgPlot.Series series(String name, String colour, RoutingCurve c) {
        return new SvgPlot.Series(
                name,
                colour,
                c.points().stream()
                        .map(p -> new double[] {p.strongShare(), p.quality()})
                        .toList());
    }
}
