package dev.ponder.gateway.learning;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.router.FeatureSpec;
import dev.ponder.router.RouterModel;
import dev.ponder.router.Training;
import dev.ponder.router.eval.Calibration;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import dev.ponder.router.eval.PairEvaluation;
import dev.ponder.router.eval.RoutingCurve;
import dev.ponder.router.eval.TierCalibration;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The retraining job ({@code ponder.jar retrain}): turns the labels gathered since the last run, plus the seed outcome
 * files, into a new router model; compares it with the active model on a time-based holdout (the newest shadow
 * labels: a random sample of traffic, so an unbiased one); calibrates every threshold of every policy for the quality
 * target; fits the logprob signal's weights on the labelled attempts; stores the version with its metrics, curves,
 * thresholds and weights; and promotes it only when its APGR beats the active model's by the configured margin, else
 * leaves it as a candidate for a human to activate.
 *
 * <p>One run at a time: a PostgreSQL advisory lock held by the run's own connection, which a killed run releases by
 * dying. A killed run leaves its {@code training_runs} row at "running" (the next run marks it abandoned) and nothing
 * else half-done: the version is stored and promoted in one transaction at the end.
 */
final class RetrainJob {

    /** The advisory lock key: "ponderRT" as a number. */
    static final long LOCK = 0x706f6e6465725254L;

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String LABELS_SOURCE = "ponder/labels";

    /** How a run ended. */
    enum Result {
        PROMOTED,
        HELD,
        BUSY,
        NOTHING_TO_TRAIN
    }

    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final RouterModels models;
    private final Routes routes;
    private final LearningProperties.Retrain settings;
    private final Clock clock;

    RetrainJob(
            DataSource dataSource,
            JdbcTemplate jdbc,
            TransactionTemplate tx,
            RouterModels models,
            Routes routes,
            LearningProperties.Retrain settings,
            Clock clock) {
        this.dataSource = dataSource;
        this.jdbc = jdbc;
        this.tx = tx;
        this.models = models;
        this.routes = routes;
        this.settings = settings;
        this.clock = clock;
    }

    Result run(PrintStream out) throws IOException, SQLException {
        try (Connection lock = dataSource.getConnection()) {
            if (!advisoryLock(lock, "pg_try_advisory_lock")) {
                out.println("retrain: another retrain is running (it holds the advisory lock); nothing to do");
                return Result.BUSY;
            }
            try {
                return locked(out);
            } finally {
                advisoryLock(lock, "pg_advisory_unlock");
            }
        }
    }

    private static boolean advisoryLock(Connection c, String function) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + function + "(?)")) {
            s.setLong(1, LOCK);
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getBoolean(1);
            }
        }
    }

    private Result locked(PrintStream out) throws IOException {
        int abandoned = jdbc.update(
                "UPDATE training_runs SET status = 'abandoned', finished_at = ? WHERE status = 'running'",
                Timestamp.from(clock.instant()));
        if (abandoned > 0) {
            out.printf("retrain: marked %d earlier run(s) that stopped midway as abandoned%n", abandoned);
        }
        Instant after = jdbc
                .queryForList(
                        "SELECT labels_until FROM training_runs WHERE status IN ('promoted', 'held')"
                                + " ORDER BY labels_until DESC LIMIT 1",
                        Timestamp.class)
                .stream()
                .findFirst()
                .map(Timestamp::toInstant)
                .orElse(Instant.EPOCH);
        Instant until = clock.instant();
        models.refresh(); // compare with the version active now (this process may have just started)
        Long run = jdbc.queryForObject(
                "INSERT INTO training_runs (started_at, status, labels_after, labels_until, progress)"
                        + " VALUES (?, 'running', ?, ?, 'starting') RETURNING id",
                Long.class,
                Timestamp.from(until),
                Timestamp.from(after),
                Timestamp.from(until));
        Path work = Files.createTempDirectory("ponder-retrain");
        try {
            return train(run, after, until, work, out);
        } catch (IOException | RuntimeException e) {
            jdbc.update(
                    "UPDATE training_runs SET status = 'failed', finished_at = ?, progress = ? WHERE id = ?",
                    Timestamp.from(clock.instant()),
                    "failed: " + e.getMessage(),
                    run);
            throw e;
        } finally {
            try (var files = Files.list(work)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(work);
        }
    }

    private Result train(long run, Instant after, Instant until, Path work, PrintStream out) throws IOException {
        progress(run, out, "recording escalations since " + after + " as labels");
        int escalations = jdbc.update("""
                INSERT INTO labels (request_id, request_created_at, source, model, reference_model, score, judge,
                    prompt, reference_answer, cost_usd, created_at)
                SELECT a.request_id, a.created_at, 'escalation', a.model, r.answered_model, 0, 'cascade', r.prompt,
                    r.answer, 0, a.created_at
                FROM attempts a JOIN requests r ON r.created_at = a.created_at AND r.request_id = a.request_id
                WHERE a.verdict = 'escalated' AND a.model IS NOT NULL AND r.prompt IS NOT NULL
                  AND a.created_at > ? AND a.created_at <= ?
                ON CONFLICT DO NOTHING""", Timestamp.from(after), Timestamp.from(until));
        progress(run, out, "reading labels (" + escalations + " new escalation labels)");
        LabelRows labelled = LabelRows.read(jdbc, after, until, settings.holdoutFraction(), settings.strong());
        out.printf(
                "retrain: %d labels on %d prompts (%d held out, the newest); %d on the strong model %s's own answers"
                        + " (its score in their rows, never a weak model's), %d judging a model against itself (left"
                        + " out)%n",
                labelled.labels(),
                labelled.rows().size(),
                labelled.heldOut().size(),
                labelled.strongOwn(),
                settings.strong(),
                labelled.selfJudged());
        Set<String> weak = new LinkedHashSet<>(settings.weak());
        weak.addAll(labelled.models());
        // A few labels are all held out (the newest share, rounded up), or judge only the strong model's answers: with
        // no seed data nothing is left to train the difficulty model on, which is too little data, not a failed run.
        boolean noTrainingRow = labelled.rows().stream()
                .noneMatch(r -> r.split().equals("train")
                        && r.outcomes().keySet().stream().anyMatch(weak::contains));
        if (noTrainingRow && settings.seedData().isEmpty()) {
            String why = labelled.rows().isEmpty()
                    ? "no new labels"
                    : labelled.rows().stream().noneMatch(r -> r.split().equals("train"))
                            ? labelled.rows().size() + " labelled prompt(s), all held out for the comparison"
                            : "no labelled prompt left for training has a weak model's answer";
            // Not a completed run: the next run reads these labels again, with whatever has come in since.
            finish(
                    run,
                    "nothing_to_train",
                    labelled.labels(),
                    null,
                    "nothing to train on: " + why + " and no seed data");
            out.println("retrain: nothing to train on (" + why + ", no ponder.learning.retrain.seed-data)");
            return Result.NOTHING_TO_TRAIN;
        }
        List<Path> data = new ArrayList<>(settings.seedData());
        if (!labelled.rows().isEmpty()) {
            Path labels = work.resolve("labels.jsonl");
            Files.writeString(labels, labelled.jsonl(), StandardCharsets.UTF_8);
            data.add(labels);
        }
        String version = "retrain-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(until.atOffset(ZoneOffset.UTC)) + "-" + run;
        progress(run, out, "training " + version + " on " + data.size() + " data file(s)");
        Training.Result trained = Training.run(
                new Training.Config(
                        data,
                        List.copyOf(weak),
                        settings.strong(),
                        FeatureSpec.parse(settings.features()),
                        16,
                        42,
                        settings.epochs(),
                        settings.epochs(), // the answer scorer's too, as before --answer-epochs existed
                        0.05,
                        1e-4,
                        // SGD: the loop's hashed n-grams are too wide for a Newton fit (docs/router.md, sixth round).
                        new Training.Fit.Sgd(),
                        0.5,
                        version,
                        work.resolve(version + ".bin"),
                        "Trained by ponder retrain on this deployment's labels"
                                + (settings.seedData().isEmpty() ? "" : " and seed data " + settings.seedData()),
                        Training.Label.WEAK,
                        0,
                        Training.CvGroups.SOURCE,
                        null,
                        null),
                clock,
                out);

        progress(run, out, "evaluating " + version + " against the active model " + models.currentVersion());
        List<OutcomeRow> seedHeldOut = seedHeldOut();
        List<Holdout> holdout = holdout(labelled, seedHeldOut);
        RouterModel candidate = trained.model();
        RouterModel active = models.current();
        Map<String, Double> candidateScores = new HashMap<>();
        ToDoubleFunction<String> score = prompt -> candidateScores.computeIfAbsent(prompt, candidate::difficulty);
        Scores mine = Scores.of(holdout, r -> score.applyAsDouble(r.prompt()), settings);
        Scores theirs = Scores.of(holdout, r -> active.difficulty(r.prompt()), settings);
        boolean promote = !holdout.isEmpty() && mine.apgr() >= theirs.apgr() + settings.margin();
        out.printf(
                "retrain: on %d held-out rows: candidate APGR %.4f CPT50 %.4f cost at target %.4f;"
                        + " active (%s) APGR %.4f CPT50 %.4f cost at target %.4f; margin %.4f -> %s%n",
                mine.n(),
                mine.apgr(),
                mine.cpt50(),
                mine.costAtTarget(),
                models.currentVersion(),
                theirs.apgr(),
                theirs.cpt50(),
                theirs.costAtTarget(),
                settings.margin(),
                promote ? "promote" : "hold for review");

        progress(run, out, "calibrating every policy's thresholds for " + version);
        ObjectNode thresholds = JSON.createObjectNode();
        ObjectNode calibration = JSON.createObjectNode();
        for (Map.Entry<String, CascadePolicy> e : routes.configuredPolicies().entrySet()) {
            if (e.getValue().tiers().size() < 2) {
                continue;
            }
            PolicyCalibration c = calibrate(e.getKey(), e.getValue(), labelled.heldOut(), seedHeldOut, score);
            calibration.set(e.getKey(), c.json());
            if (c.anyCalibrated()) {
                ArrayNode t = thresholds.putArray(e.getKey());
                c.result().thresholds().forEach(t::add);
            }
            out.println("retrain: " + c.describe());
        }

        progress(run, out, "fitting the logprob signal's weights");
        LogprobFit.Result logprobs = LogprobFit.run(jdbc, until, settings.minLogprobLabels());
        out.println("retrain: logprob signal: " + logprobs.note()
                + (logprobs.fitted()
                        ? String.format(
                                "; held-out log loss %.4f (prior %.4f); weights %s",
                                logprobs.fittedLogLoss(), logprobs.priorLogLoss(), logprobs.weightsJson())
                        : ""));

        ObjectNode metrics = JSON.createObjectNode();
        metrics.set("candidate", mine.json());
        metrics.set("active", theirs.json().put("version", models.currentVersion()));
        metrics.put("margin", settings.margin());
        metrics.put(
                "holdout",
                holdout.stream().map(Holdout::describe).distinct().toList().toString());
        metrics.set("calibration", calibration);
        metrics.set("logprobs", logprobs.json());
        metrics.putObject("labels")
                .put("count", labelled.labels())
                .put("strong_own", labelled.strongOwn())
                .put("self_judged", labelled.selfJudged());
        ObjectNode curves = JSON.createObjectNode();
        curves.set("candidate", mine.curve());
        curves.set("active", theirs.curve());
        byte[] artifact = Files.readAllBytes(trained.artifact());
        String card = Files.readString(trained.card());

        progress(run, out, "storing " + version);
        tx.executeWithoutResult(status -> {
            if (promote) {
                jdbc.update("UPDATE router_models SET status = 'retired' WHERE status = 'active'");
            }
            jdbc.update(
                    """
                    INSERT INTO router_models (version, sha256, artifact, card, metrics, curves, thresholds,
                        logprob_weights, status, training_run_id, created_at, activated_at)
                    VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?)""",
                    version,
                    trained.sha256(),
                    artifact,
                    card,
                    metrics.toString(),
                    curves.toString(),
                    thresholds.toString(),
                    logprobs.weightsJson(),
                    promote ? "active" : "candidate",
                    run,
                    Timestamp.from(clock.instant()),
                    promote ? Timestamp.from(clock.instant()) : null);
            finish(run, promote ? "promoted" : "held", labelled.labels(), version, metrics.toString());
        });
        out.printf(
                "retrain: %s stored as %s%s%n",
                version,
                promote ? "the active model" : "a candidate",
                promote
                        ? "; gateways switch to it within their reload interval"
                        : "; activate it with POST /admin/api/router/versions/" + version + "/activate");
        return promote ? Result.PROMOTED : Result.HELD;
    }

    /** The seed files' held-out rows (the split router-model's training leaves out). */
    private List<OutcomeRow> seedHeldOut() throws IOException {
        List<OutcomeRow> rows = new ArrayList<>();
        for (Path seed : settings.seedData()) {
            for (OutcomeRow r : OutcomeFile.read(seed)) {
                if (Training.heldOut(r, 0.5)) {
                    rows.add(r);
                }
            }
        }
        return rows;
    }

    /**
     * The rows both models are compared on: the held-out shadow labels (weak model vs the top tier's reference); when
     * there are fewer than the configured minimum, the seed data's held-out rows for the configured pairs too.
     */
    private List<Holdout> holdout(LabelRows labelled, List<OutcomeRow> seedHeldOut) {
        List<Holdout> rows = new ArrayList<>(labelled.heldOut());
        if (rows.size() < settings.minHoldout()) {
            for (OutcomeRow r : seedHeldOut) {
                for (String w : settings.weak()) {
                    if (r.has(w, settings.strong())) {
                        rows.add(new Holdout(r, w, settings.strong(), null, -1));
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Calibrates each threshold of a policy for the quality target: lower tier i on the held-out shadow labels of the
     * requests this policy answered at tier i (that tier's answer against the top tier's), and, when those are fewer
     * than the configured minimum, on the seed rows that hold both tier backends' models too. {@link TierCalibration}
     * says what this guarantees.
     */
    private PolicyCalibration calibrate(
            String name,
            CascadePolicy policy,
            List<Holdout> labels,
            List<OutcomeRow> seedHeldOut,
            ToDoubleFunction<String> score) {
        List<Tier> tiers = policy.tiers();
        String top = tiers.getLast().backend().info().model();
        List<TierCalibration.Rows> rows = new ArrayList<>();
        for (int i = 0; i < tiers.size() - 1; i++) {
            int tier = i;
            List<Holdout> own = new ArrayList<>(labels.stream()
                    .filter(h -> name.equals(h.policy()) && h.tier() == tier)
                    .toList());
            String model = tiers.get(i).backend().info().model();
            if (own.size() < settings.minHoldout()) {
                seedHeldOut.stream()
                        .filter(r -> r.has(model, top))
                        .forEach(r -> own.add(new Holdout(r, model, top, null, -1)));
            }
            rows.add(new TierCalibration.Rows(
                    own.stream()
                            .mapToDouble(h -> score.applyAsDouble(h.prompt()))
                            .toArray(),
                    own.stream().mapToDouble(h -> h.row().score(h.weak())).toArray(),
                    own.stream().mapToDouble(h -> h.row().score(h.strong())).toArray()));
        }
        return new PolicyCalibration(
                name,
                policy,
                TierCalibration.calibrate(rows, policy.thresholds(), settings.targetQuality(), settings.delta()));
    }

    /** One policy's calibrated thresholds, as the run prints them and the version's metrics keep them. */
    record PolicyCalibration(String name, CascadePolicy policy, TierCalibration.Result result) {

        boolean anyCalibrated() {
            return result.tiers().stream().anyMatch(TierCalibration.Tier::calibrated);
        }

        String describe() {
            StringBuilder line = new StringBuilder("policy '" + name + "' thresholds " + result.thresholds() + " (");
            for (TierCalibration.Tier t : result.tiers()) {
                line.append(t.tier() == 0 ? "" : "; ")
                        .append(policy.tiers().get(t.tier()).name())
                        .append(": ")
                        .append(t.rows())
                        .append(" held-out rows, ")
                        .append(
                                !t.calibrated()
                                        ? "kept as configured"
                                        : t.test().guaranteed() ? "calibrated" : "no threshold passes the test");
            }
            return line.append(result.guaranteed() ? "; the quality target is guaranteed)" : ")")
                    .toString();
        }

        ObjectNode json() {
            ObjectNode c = JSON.createObjectNode();
            c.put("target_quality", result.ratio());
            c.put("delta", result.delta());
            c.put("guaranteed", result.guaranteed());
            ArrayNode tiers = c.putArray("tiers");
            for (TierCalibration.Tier t : result.tiers()) {
                ObjectNode tier = tiers.addObject()
                        .put("tier", policy.tiers().get(t.tier()).name())
                        .put("rows", t.rows())
                        .put("threshold", t.threshold())
                        .put("calibrated", t.calibrated());
                if (t.calibrated()) {
                    tier.put("guaranteed", t.test().guaranteed());
                    tier.put("share_of_rows_under_threshold", 1 - t.test().strongShare());
                    tier.put("quality_ratio", t.test().qualityRatio());
                }
            }
            return c;
        }
    }

    private void progress(long run, PrintStream out, String step) {
        out.println("retrain: " + step);
        jdbc.update("UPDATE training_runs SET progress = ? WHERE id = ?", step, run);
    }

    private void finish(long run, String status, int labels, String version, String detail) {
        jdbc.update(
                """
                UPDATE training_runs SET status = ?, finished_at = ?, label_count = ?, model_version = ?,
                    progress = 'done', detail = ?::jsonb
                WHERE id = ?""",
                status,
                Timestamp.from(clock.instant()),
                labels,
                version,
                detail.startsWith("{")
                        ? detail
                        : JSON.createObjectNode().put("note", detail).toString(),
                run);
    }

    /**
     * One held-out prompt with the weak model that answered it and the strong reference; for a shadow label, the
     * policy that served the request and the tier that answered it (else null and -1).
     */
    record Holdout(OutcomeRow row, String weak, String strong, String policy, int tier) {
        String prompt() {
            return row.prompt();
        }

        String describe() {
            return weak + " vs " + strong;
        }
    }

    /** A model's routing metrics on the holdout, pooled over the weak/strong pairs it holds. */
    record Scores(
            int n,
            double apgr,
            double cpt50,
            double cpt80,
            double costAtTarget,
            double threshold,
            RoutingCurve pooled) {

        static Scores of(List<Holdout> rows, ToDoubleFunction<Holdout> score, LearningProperties.Retrain settings) {
            if (rows.isEmpty()) {
                return new Scores(0, 0, 1, 1, 1, 1, null);
            }
            Map<String, List<Holdout>> pairs = new LinkedHashMap<>();
            rows.forEach(h -> pairs.computeIfAbsent(h.weak() + "\n" + h.strong(), k -> new ArrayList<>())
                    .add(h));
            double apgr = 0, cpt50 = 0, cpt80 = 0;
            int apgrRows = 0;
            for (List<Holdout> pair : pairs.values()) {
                Holdout first = pair.getFirst();
                Map<OutcomeRow, Holdout> byRow = new LinkedHashMap<>();
                pair.forEach(h -> byRow.put(h.row(), h));
                PairEvaluation e = PairEvaluation.of(
                        List.copyOf(byRow.keySet()),
                        first.weak(),
                        first.strong(),
                        r -> score.applyAsDouble(byRow.get(r)),
                        null);
                double weight = pair.size() / (double) rows.size();
                // A pair whose weak model was as good as the strong one on every row has no gap to recover, so no
                // APGR: it says nothing about either router, and left in it would make the pooled APGR NaN, so that
                // no candidate could be promoted.
                if (!Double.isNaN(e.router().apgr())) {
                    apgr += pair.size() * e.router().apgr();
                    apgrRows += pair.size();
                }
                cpt50 += weight * nanToOne(e.router().cpt(0.5));
                cpt80 += weight * nanToOne(e.router().cpt(0.8));
            }
            double[] s = new double[rows.size()], w = new double[rows.size()], st = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                Holdout h = rows.get(i);
                s[i] = score.applyAsDouble(h);
                w[i] = h.row().score(h.weak());
                st[i] = h.row().score(h.strong());
            }
            Calibration.Result target = Calibration.forQuality(s, w, st, settings.targetQuality(), settings.delta());
            return new Scores(
                    rows.size(),
                    apgrRows == 0 ? Double.NaN : apgr / apgrRows,
                    cpt50,
                    cpt80,
                    target.strongShare(),
                    Math.max(0, Math.min(1, target.threshold())),
                    RoutingCurve.unitCost(s, w, st));
        }

        private static double nanToOne(double v) {
            return Double.isNaN(v) ? 1 : v;
        }

        ObjectNode json() {
            ObjectNode m = JSON.createObjectNode();
            m.put("n", n);
            m.put("apgr", apgr);
            m.put("cpt50", cpt50);
            m.put("cpt80", cpt80);
            m.put("strong_share_at_target", costAtTarget);
            m.put("threshold_at_target", threshold);
            return m;
        }

        ArrayNode curve() {
            ArrayNode points = JSON.createArrayNode();
            if (pooled != null) {
                for (RoutingCurve.Point p : pooled.points()) {
                    points.addObject()
                            .put("threshold", p.threshold())
                            .put("strong_share", p.strongShare())
                            .put("quality", p.quality());
                }
            }
            return points;
        }
    }

    /**
     * The labels of a period as outcome rows, one per prompt, the newest share marked as held out; {@code models} the
     * weak models they judged. A label on the strong model's own answer (feedback on the top tier's answer) is that
     * model's score in its row, never a weak model's: a strong → strong pair teaches nothing. A label that judged a
     * model against itself (two backends serving one model) is left out.
     */
    record LabelRows(
            int labels,
            List<OutcomeRow> rows,
            List<Holdout> heldOut,
            Set<String> models,
            int strongOwn,
            int selfJudged) {

        static LabelRows read(JdbcTemplate jdbc, Instant after, Instant until, double holdoutFraction, String strong) {
            record Label(
                    String requestId,
                    String source,
                    String model,
                    String reference,
                    double score,
                    String prompt,
                    String answer,
                    String referenceAnswer,
                    String policy,
                    int tier) {}
            // The request (while its partition is kept) tells which policy served it and at which tier it was answered.
            List<Label> labels = jdbc.query(
                    """
                    SELECT l.request_id, l.source, l.model, l.reference_model, l.score, l.prompt, l.answer,
                        l.reference_answer, r.policy, COALESCE(r.answered_tier, -1)
                    FROM labels l
                    LEFT JOIN requests r ON r.created_at = l.request_created_at AND r.request_id = l.request_id
                    WHERE l.created_at > ? AND l.created_at <= ?
                    ORDER BY l.created_at, l.id""",
                    (r, i) -> new Label(
                            r.getString(1),
                            r.getString(2),
                            r.getString(3),
                            r.getString(4),
                            r.getDouble(5),
                            r.getString(6),
                            r.getString(7),
                            r.getString(8),
                            r.getString(9),
                            r.getInt(10)),
                    Timestamp.from(after),
                    Timestamp.from(until));
            // Labels in time order; a request's first label places it in time. Later sources rank higher:
            // a user's feedback over a shadow judge over the cascade's own escalation.
            Map<String, List<Label>> byRequest = new LinkedHashMap<>();
            labels.forEach(l -> byRequest
                    .computeIfAbsent(l.requestId(), k -> new ArrayList<>())
                    .add(l));
            int held = (int) Math.ceil(byRequest.size() * holdoutFraction);
            int firstHeld = byRequest.size() - held;
            List<OutcomeRow> rows = new ArrayList<>();
            List<Holdout> heldOut = new ArrayList<>();
            Set<String> models = new LinkedHashSet<>();
            int strongOwn = 0, selfJudged = 0;
            int index = 0;
            for (Map.Entry<String, List<Label>> e : byRequest.entrySet()) {
                boolean test = index++ >= firstHeld;
                Map<String, dev.ponder.router.eval.Outcome> outcomes = new LinkedHashMap<>();
                Label reference = null;
                List<Label> ranked = new ArrayList<>(e.getValue());
                ranked.sort(Comparator.comparingInt(l -> rank(l.source())));
                for (Label l : ranked) {
                    if (l.model().equals(l.reference())) {
                        selfJudged++;
                        continue;
                    }
                    outcomes.put(l.model(), new dev.ponder.router.eval.Outcome(l.score(), null, l.answer()));
                    if (l.model().equals(strong)) {
                        strongOwn++;
                    } else {
                        models.add(l.model());
                    }
                    if (l.reference() != null) {
                        reference = l;
                    }
                }
                if (outcomes.isEmpty()) {
                    continue; // every label of this prompt judged a model against itself
                }
                // The reference is the top tier's answer: the judge's yardstick, so it counts as good enough.
                if (reference != null) {
                    outcomes.putIfAbsent(
                            reference.reference(),
                            new dev.ponder.router.eval.Outcome(1, null, reference.referenceAnswer()));
                }
                OutcomeRow row = new OutcomeRow(
                        e.getKey(),
                        LABELS_SOURCE,
                        test ? "test" : "train",
                        e.getValue().getFirst().prompt(),
                        outcomes);
                rows.add(row);
                if (test && reference != null && reference.source().equals("shadow")) {
                    heldOut.add(new Holdout(
                            row, reference.model(), reference.reference(), reference.policy(), reference.tier()));
                }
            }
            return new LabelRows(labels.size(), rows, heldOut, models, strongOwn, selfJudged);
        }

        /** Later sources rank higher: a user's feedback over a shadow judge over the cascade's own escalation. */
        static int rank(String source) {
            return switch (source) {
                case "escalation" -> 0;
                case "shadow" -> 1;
                default -> 2;
            };
        }

        /** The rows in the outcome-file format router-model's training reads. */
        String jsonl() {
            StringBuilder out = new StringBuilder();
            for (OutcomeRow r : rows) {
                ObjectNode o = JSON.createObjectNode();
                o.put("id", r.id());
                o.put("source", r.source());
                o.put("split", r.split());
                o.put("prompt", r.prompt());
                ObjectNode outcomes = o.putObject("outcomes");
                r.outcomes().forEach((m, v) -> {
                    ObjectNode outcome = outcomes.putObject(m).put("score", v.score());
                    if (v.response() != null) {
                        outcome.put("response", v.response());
                    }
                });
                out.append(o).append('\n');
            }
            return out.toString();
        }
    }
}
