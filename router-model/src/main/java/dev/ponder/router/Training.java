package dev.ponder.router;

import dev.ponder.router.eval.Outcome;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import dev.ponder.router.eval.PairEvaluation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Trains a router artifact from outcome files: the difficulty model (label: 1 - mean score of the weak models present
 * in the row) and the answer scorer (label: the score of each model's response), then measures both on the held-out
 * rows and writes {@code NAME.bin} and {@code NAME.card.json}.
 *
 * <p>Held out: rows whose split is "test"; rows marked "all" are held out by their whole {@code source} (e.g. an MMLU
 * subject), chosen by a stable hash of the source name, so the test sources are never seen in training.
 */
public final class Training {
    /** What a prompt's difficulty label is, from the outcomes of its row. */
    public enum Label {
        /** 1 - mean score of the weak models the row holds: P(the cheap answer is not good enough). */
        WEAK,
        /** 1 - mean score of every model the row holds: difficulty pooled over all models (11 on RouterBench). */
        ALL,
        /** (1 + strong - mean weak) / 2: the quality gap the strong model would recover, as Hybrid LLM predicts. */
        GAP,
        /**
         * Two heads over the same features, one learning {@code WEAK}'s label and one 1 - the strong model's score;
         * the score is (1 + P(weak fails) - P(strong fails)) / 2 (see {@link DifficultyModel}). Rows need both.
         */
        GAIN
    }

    /** What a cross-validation fold is drawn from: a row's source (the project's rule), or the row itself. */
    public enum CvGroups {
        /**
         * {@code fnv1a(source, seed) mod K}: a fold holds whole tasks and subjects, so it is validated out of domain,
         * as the held-out sets are.
         */
        SOURCE,
        /**
         * {@code fnv1a(id, seed) mod K}: a fold holds prompts of the tasks and subjects its training part holds too,
         * as a deployment's retrained model meets its own traffic (RouteLLM's in-domain protocol).
         */
        ROW
    }

    /**
     * How the difficulty model is fitted. The answer scorer's hashed n-grams are too wide for a Newton fit, so it is
     * always fitted by SGD with the config's answer epochs, learning rate and L2.
     */
    public sealed interface Fit {
        /** AdaGrad SGD over a seeded shuffle for the config's epochs, with its learning rate and per-example L2. */
        record Sgd() implements Fit {}

        /** Newton's method to convergence, {@code l2} on the mean loss, every column standardized (dense only). */
        record Newton(double l2) implements Fit {
            public Newton {
                if (!(l2 > 0 && Double.isFinite(l2))) {
                    throw new IllegalArgumentException("newton l2 must be > 0, got " + l2);
                }
            }
        }
    }

    /**
     * What to train on and how; {@code cvFolds} > 1 also cross-validates the difficulty model (and the cascade, where
     * the rows hold responses), its folds drawn by {@code cvGroups}; {@code embeddingCache} (nullable) names a file
     * that keeps embeddings between runs, and {@code outOfFold} (nullable, needs {@code cvFolds} > 1) a JSONL file for
     * each training row's out-of-fold score.
     */
    public record Config(
            List<Path> data,
            List<String> weak,
            String strong,
            FeatureSpec features,
            int answerBits,
            long seed,
            int epochs,
            int answerEpochs,
            double learningRate,
            double l2,
            Fit fit,
            double testFraction,
            String version,
            Path out,
            String attribution,
            Label label,
            int cvFolds,
            CvGroups cvGroups,
            Path embeddingCache,
            Path outOfFold) {
        public Config {
            data = List.copyOf(data);
            weak = List.copyOf(weak);
            if (data.isEmpty()) {
                throw new IllegalArgumentException("need at least one data file, got none");
            }
            if (weak.isEmpty()) {
                throw new IllegalArgumentException("need at least one weak model, got none");
            }
            if (epochs < 1 || answerEpochs < 1) {
                throw new IllegalArgumentException(
                        "epochs must be >= 1, got " + epochs + " and answer epochs " + answerEpochs);
            }
            if (!(testFraction >= 0 && testFraction < 1)) {
                throw new IllegalArgumentException("test fraction must be in [0,1), got " + testFraction);
            }
            if (answerBits != 0 && (answerBits < 8 || answerBits > 22)) {
                throw new IllegalArgumentException("answer ngram bits must be 0 or in [8, 22], got " + answerBits);
            }
            if (!out.getFileName().toString().endsWith(".bin")) {
                throw new IllegalArgumentException("the artifact must be named NAME.bin, got " + out);
            }
            if (cvFolds == 1 || cvFolds < 0) {
                throw new IllegalArgumentException("cross-validation needs 0 (off) or >= 2 folds, got " + cvFolds);
            }
            Objects.requireNonNull(cvGroups, "cvGroups");
            if (cvGroups == CvGroups.ROW && cvFolds < 2) {
                throw new IllegalArgumentException("folds by row need cross-validation (>= 2 folds)");
            }
            if (outOfFold != null && cvFolds < 2) {
                throw new IllegalArgumentException("out-of-fold scores need cross-validation (>= 2 folds)");
            }
            if (fit instanceof Fit.Newton && features.ngramBits() > 0) {
                throw new IllegalArgumentException("a newton fit takes dense features only, not " + features
                        + ": hashed n-grams need the sgd fit");
            }
        }
    }

    /** The written artifact. */
    public record Result(Path artifact, Path card, String sha256, RouterModel model) {}

    private Training() {}

    /** True for rows a model trained with {@code testFraction} never saw. */
    public static boolean heldOut(OutcomeRow row, double testFraction) {
        return switch (row.split()) {
            case "test" -> true;
            case "train" -> false;
            default -> (Text.fnv1a(row.source(), 0) & 0xffff) < testFraction * 0x10000;
        };
    }

    /**
     * The rows of {@code file} that the model with {@code modelCard} never trained on. The split rule applies only to a
     * file the card lists among its training data (by SHA-256); a model never saw any row of another file, whatever
     * its split or source.
     */
    public static Predicate<OutcomeRow> unseenBy(String modelCard, Path file) throws IOException {
        JsonNode card = JsonMapper.shared().readTree(modelCard);
        String sha = Artifact.sha256(Files.readAllBytes(file));
        for (JsonNode d : card.path("data")) {
            if (d.path("sha256").asString("").equals(sha)) {
                double testFraction = card.path("test_fraction").asDouble(0.5);
                return r -> heldOut(r, testFraction);
            }
        }
        return r -> true;
    }

    public static Result run(Config c, Clock clock, PrintStream log) throws IOException {
        return run(c, clock, log, network(c));
    }

    /** The process-wide encoder the features name, loaded on first use. */
    private static Supplier<SentenceEncoder> network(Config c) {
        return () -> Encoders.of(c.features().encoderModel());
    }

    /**
     * Only the cross-validation of {@code c} (it needs {@code c.cvFolds() > 1}): reads no held-out row and
     * writes nothing. This is how features, labels and settings are chosen.
     */
    public static ArrayNode crossValidate(Config c, PrintStream log) throws IOException {
        if (c.cvFolds() < 2) {
            throw new IllegalArgumentException("cross-validation needs >= 2 folds, got " + c.cvFolds());
        }
        List<DataPart> parts = read(c, log);
        Supplier<SentenceEncoder> encoder = c.features().encoder() ? memoized(c, network(c)) : network(c);
        return crossValidate(c, parts, labelled(c, parts), difficultyTrainer(c), encoder, log);
    }

    private static List<DataPart> read(Config c, PrintStream log) throws IOException {
        List<DataPart> parts = new ArrayList<>();
        for (Path file : c.data()) {
            List<OutcomeRow> rows = OutcomeFile.read(file);
            List<OutcomeRow> train =
                    rows.stream().filter(r -> !heldOut(r, c.testFraction())).toList();
            List<OutcomeRow> test =
                    rows.stream().filter(r -> heldOut(r, c.testFraction())).toList();
            parts.add(new DataPart(file, Artifact.sha256(Files.readAllBytes(file)), train, test));
            log.printf(
                    "%s: %d rows, %d train, %d held out%n", file.getFileName(), rows.size(), train.size(), test.size());
        }
        return parts;
    }

    private static List<OutcomeRow> labelled(Config c, List<DataPart> parts) {
        List<OutcomeRow> labelled = parts.stream()
                .flatMap(p -> p.train().stream())
                .filter(r -> label(r, c) >= 0)
                .toList();
        if (parts.stream().allMatch(p -> p.train().isEmpty())) {
            throw new IllegalArgumentException("every row of " + c.data() + " is held out (split \"test\", or split"
                    + " \"all\" or absent and held out by its source at --test-fraction " + c.testFraction()
                    + "): nothing to train on; mark training rows \"split\":\"train\" or lower --test-fraction");
        }
        if (labelled.isEmpty()) {
            throw new IllegalArgumentException("no training row holds any of the weak models " + c.weak()
                    + (c.label() == Label.GAP || c.label() == Label.GAIN
                            ? " together with the strong model " + c.strong()
                            : ""));
        }
        return labelled;
    }

    static Result run(Config c, Clock clock, PrintStream log, Supplier<SentenceEncoder> baseEncoder)
            throws IOException {
        List<DataPart> parts = read(c, log);
        List<OutcomeRow> train = parts.stream().flatMap(p -> p.train().stream()).toList();
        Supplier<SentenceEncoder> encoder = c.features().encoder() ? memoized(c, baseEncoder) : baseEncoder;
        List<OutcomeRow> labelled = labelled(c, parts);
        LinearTrainer trainer = difficultyTrainer(c);
        ArrayNode cv = c.cvFolds() > 1 ? crossValidate(c, parts, labelled, trainer, encoder, log) : null;
        Difficulty fit = Difficulty.fit(labelled, c, trainer, encoder);
        Standardizer lexical = fit.lexical();
        DifficultyModel difficulty = fit.model();
        log.printf(
                "difficulty model: %d examples, features %s, label %s%n",
                labelled.size(), c.features(), c.label().name().toLowerCase(Locale.ROOT));

        Answers answers = Answers.fit(train, c);
        if (answers.examples() == 0) {
            log.printf(
                    Locale.ROOT,
                    "answer scorer: no responses in the training rows, constant prior %.4f%n",
                    LinearModel.sigmoid(answers.model().bias()));
        } else {
            log.printf("answer scorer: %d examples%n", answers.examples());
        }

        Artifact artifact =
                new Artifact(c.features(), lexical, difficulty, c.answerBits(), answers.dense(), answers.model());
        byte[] bin = artifact.toBytes();
        String sha = Artifact.sha256(bin);
        ObjectNode card = card(c, clock, sha, artifact, parts, labelled.size(), answers.examples());
        if (cv != null) {
            card.set("cross_validation", cv);
        }
        String cardJson = JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(card);
        RouterModel model = RouterModel.fromBytes(bin, cardJson, m -> encoder.get());
        ArrayNode heldOut = card.putArray("held_out");
        // Each held-out prompt is scored once, for every weak model's pair and the bootstrap alike.
        Map<OutcomeRow, Double> scores = new IdentityHashMap<>();
        ToDoubleFunction<OutcomeRow> score = r -> scores.computeIfAbsent(r, x -> model.score(x.prompt()));
        for (DataPart p : parts) {
            for (String weak : c.weak()) {
                List<OutcomeRow> rows =
                        p.test().stream().filter(r -> r.has(weak, c.strong())).toList();
                if (rows.isEmpty()) {
                    continue;
                }
                PairEvaluation e = PairEvaluation.of(
                        rows,
                        weak,
                        c.strong(),
                        score,
                        r -> 1
                                - model.answerScorer()
                                        .goodEnough(r.prompt(), r.outcome(weak).response()));
                ObjectNode pair = addPair(heldOut, p, weak, c, e);
                PairEvaluation.Interval interval = PairEvaluation.apgrInterval(
                        rows, weak, c.strong(), score, PairEvaluation.RESAMPLES, PairEvaluation.BOOTSTRAP_SEED);
                if (interval != null) {
                    interval.metrics().forEach(pair::put);
                }
                log.printf(
                        "held out %s %s -> %s: n=%d apgr=%.3f cpt50=%.3f cpt80=%.3f oracle=%.3f%s%n",
                        p.file().getFileName(),
                        weak,
                        c.strong(),
                        e.n(),
                        e.router().apgr(),
                        e.router().cpt(0.5),
                        e.router().cpt(0.8),
                        e.oracle().apgr(),
                        e.cascade() == null
                                ? ""
                                : String.format(
                                        " cascade_apgr=%.3f", e.cascade().apgr()));
            }
        }
        cardJson = JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(card);
        Path cardPath = RouterModel.cardPath(c.out());
        if (c.out().toAbsolutePath().getParent() != null) {
            Files.createDirectories(c.out().toAbsolutePath().getParent());
        }
        Files.write(c.out(), bin);
        Files.writeString(cardPath, cardJson + "\n");
        // The returned model may live on (the gateway serves retrained models): not with this run's embedding memo.
        return new Result(c.out(), cardPath, sha, RouterModel.fromBytes(bin, cardJson, m -> baseEncoder.get()));
    }

    private static LogisticTrainer sgd(Config c) {
        return new LogisticTrainer(c.seed(), c.epochs(), c.learningRate(), c.l2());
    }

    private static LinearTrainer difficultyTrainer(Config c) {
        return switch (c.fit()) {
            case Fit.Sgd s -> sgd(c);
            case Fit.Newton n -> new NewtonTrainer(n.l2());
        };
    }

    private record DataPart(Path file, String sha256, List<OutcomeRow> train, List<OutcomeRow> test) {}

    /** 1 - mean score of the listed weak models the row holds, or -1 if it holds none. */
    static double weakLabel(OutcomeRow r, List<String> weak) {
        double sum = 0;
        int n = 0;
        for (String m : weak) {
            Outcome o = r.outcomes().get(m);
            if (o != null) {
                sum += o.score();
                n++;
            }
        }
        return n == 0 ? -1 : 1 - sum / n;
    }

    /** The row's difficulty label under {@code c.label()}, or -1 if the row cannot be labelled. */
    static double label(OutcomeRow r, Config c) {
        double weak = weakLabel(r, c.weak());
        if (weak < 0) {
            return -1;
        }
        return switch (c.label()) {
            case WEAK -> weak;
            case ALL ->
                1
                        - r.outcomes().values().stream()
                                .mapToDouble(Outcome::score)
                                .average()
                                .orElseThrow();
            case GAP -> {
                Outcome strong = r.outcomes().get(c.strong());
                yield strong == null ? -1 : (1 + strong.score() - (1 - weak)) / 2;
            }
            case GAIN -> r.outcomes().containsKey(c.strong()) ? weak : -1;
        };
    }

    /** The answer scorer fitted on every response the rows hold: its dense standardizer, weights and example count. */
    private record Answers(Standardizer dense, LinearModel model, int examples) {
        static Answers fit(List<OutcomeRow> rows, Config c) {
            List<String[]> answers = new ArrayList<>();
            List<Double> labels = new ArrayList<>();
            for (OutcomeRow r : rows) {
                for (Outcome o : r.outcomes().values()) {
                    if (o.response() != null) {
                        answers.add(new String[] {r.prompt(), o.response()});
                        labels.add(o.score());
                    }
                }
            }
            if (answers.isEmpty()) {
                // Score-only data (responses are optional in the format): nothing says which answer is good, so the
                // scorer is the prior P(good enough) over the rows' outcomes, the same for every answer.
                double[] ones = new double[AnswerFeaturizer.DENSE];
                Arrays.fill(ones, 1);
                Standardizer dense = new Standardizer(new double[AnswerFeaturizer.DENSE], ones);
                double prior = Math.clamp(
                        rows.stream()
                                .flatMap(r -> r.outcomes().values().stream())
                                .mapToDouble(Outcome::score)
                                .average()
                                .orElse(0.5),
                        1e-3,
                        1 - 1e-3);
                return new Answers(
                        dense,
                        new LinearModel(
                                new float[new AnswerFeaturizer(dense, c.answerBits()).dimension()],
                                Math.log(prior / (1 - prior))),
                        0);
            }
            Standardizer dense = Standardizer.fit(
                    answers.stream().map(a -> AnswerFeaturizer.raw(a[0], a[1])).toList());
            AnswerFeaturizer features = new AnswerFeaturizer(dense, c.answerBits());
            List<LogisticTrainer.Example> examples = new ArrayList<>(answers.size());
            for (int i = 0; i < answers.size(); i++) {
                String[] a = answers.get(i);
                examples.add(new LogisticTrainer.Example(features.features(a[0], a[1]), labels.get(i)));
            }
            LinearModel model = new LogisticTrainer(c.seed(), c.answerEpochs(), c.learningRate(), c.l2())
                    .fit(examples, features.dimension());
            return new Answers(dense, model, examples.size());
        }

        AnswerScorer scorer(Config c) {
            return new AnswerScorer(new AnswerFeaturizer(dense, c.answerBits()), model);
        }
    }

    /** The difficulty model fitted on some rows: the lexical standardizer, the featurizer and the weights. */
    private record Difficulty(Standardizer lexical, PromptFeaturizer featurizer, DifficultyModel model) {
        static Difficulty fit(
                List<OutcomeRow> rows, Config c, LinearTrainer trainer, Supplier<SentenceEncoder> encoder) {
            Standardizer lexical = Standardizer.fit(
                    rows.stream().map(r -> LexicalFeatures.of(r.prompt())).toList());
            PromptFeaturizer prompts = new PromptFeaturizer(c.features(), lexical, encoder);
            List<SparseVector> x =
                    rows.stream().map(r -> prompts.features(r.prompt())).toList();
            LinearModel weak = trainer.fit(examples(x, rows, r -> label(r, c)), prompts.dimension());
            LinearModel strong = c.label() == Label.GAIN
                    ? trainer.fit(examples(x, rows, r -> 1 - r.score(c.strong())), prompts.dimension())
                    : null;
            return new Difficulty(lexical, prompts, new DifficultyModel(weak, strong));
        }

        private static List<LogisticTrainer.Example> examples(
                List<SparseVector> x, List<OutcomeRow> rows, ToDoubleFunction<OutcomeRow> label) {
            List<LogisticTrainer.Example> examples = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                examples.add(new LogisticTrainer.Example(x.get(i), label.applyAsDouble(rows.get(i))));
            }
            return examples;
        }

        double score(String prompt) {
            return model.score(featurizer.features(prompt));
        }
    }

    /**
     * K-fold cross-validation of the difficulty model inside the training rows, its folds drawn by {@code c.cvGroups()}:
     * by source (a RouterBench task, an MMLU subject), each fold is scored on sources it never saw, the way the
     * held-out sets are; by row, on prompts of the sources it trained on. Reports APGR of the out-of-fold scores for
     * each (file, weak model) pair, and the cascade's figures where the rows hold the weak model's responses: each
     * fold's answer scorer learns from the other folds' responses only.
     */
    private static ArrayNode crossValidate(
            Config c,
            List<DataPart> parts,
            List<OutcomeRow> labelled,
            LinearTrainer trainer,
            Supplier<SentenceEncoder> encoder,
            PrintStream log)
            throws IOException {
        Map<OutcomeRow, Double> outOfFold = new IdentityHashMap<>();
        // Per row, 1 - P(good enough) of each weak model's response, by the answer scorer of the row's fold.
        Map<OutcomeRow, Map<String, Double>> doubtOutOfFold = new IdentityHashMap<>();
        List<OutcomeRow> train = parts.stream().flatMap(p -> p.train().stream()).toList();
        if (c.cvGroups() == CvGroups.ROW) {
            long unnamed = train.stream().filter(r -> r.id().isEmpty()).count();
            if (unnamed > 0) {
                // Without an id a row has nothing stable to draw its fold from: they would all share one fold.
                throw new IllegalArgumentException(
                        "folds by row are drawn from each row's id, and " + unnamed + " training rows have none");
            }
            log.printf("cv: %d folds by row, fnv1a(id, seed) mod %d%n", c.cvFolds(), c.cvFolds());
        }
        for (int k = 0; k < c.cvFolds(); k++) {
            int fold = k;
            List<OutcomeRow> fitRows =
                    labelled.stream().filter(r -> fold(r, c) != fold).toList();
            if (fitRows.isEmpty()) {
                continue; // every source fell into this fold: nothing to learn from, nothing scored
            }
            Difficulty d = Difficulty.fit(fitRows, c, trainer, encoder);
            List<OutcomeRow> foldRows =
                    train.stream().filter(r -> fold(r, c) == fold).toList();
            for (OutcomeRow r : foldRows) {
                outOfFold.put(r, d.score(r.prompt()));
            }
            List<OutcomeRow> answered = foldRows.stream()
                    .filter(r -> c.weak().stream().anyMatch(w -> weakResponse(r, w) != null))
                    .toList();
            if (answered.isEmpty()) {
                continue; // no weak answer to score (MMLU's rows hold none): the scorer's fit would be wasted
            }
            Answers answers =
                    Answers.fit(train.stream().filter(r -> fold(r, c) != fold).toList(), c);
            AnswerScorer scorer = answers.scorer(c);
            log.printf("cv fold %d: answer scorer on %d responses of the other folds%n", fold, answers.examples());
            for (OutcomeRow r : answered) {
                Map<String, Double> doubts = new LinkedHashMap<>();
                for (String weak : c.weak()) {
                    String response = weakResponse(r, weak);
                    if (response != null) {
                        doubts.put(weak, 1 - scorer.goodEnough(r.prompt(), response));
                    }
                }
                doubtOutOfFold.put(r, doubts);
            }
        }
        if (c.outOfFold() != null) {
            writeOutOfFold(c.outOfFold(), parts, outOfFold, doubtOutOfFold);
        }
        ArrayNode out = JsonMapper.shared().createArrayNode();
        for (DataPart p : parts) {
            for (String weak : c.weak()) {
                List<OutcomeRow> rows = p.train().stream()
                        .filter(r -> r.has(weak, c.strong()) && outOfFold.containsKey(r))
                        .toList();
                if (rows.isEmpty()) {
                    continue;
                }
                PairEvaluation e = PairEvaluation.of(rows, weak, c.strong(), outOfFold::get, r -> doubtOutOfFold
                        .get(r)
                        .get(weak));
                addPair(out, p, weak, c, e)
                        .put("folds", c.cvFolds())
                        .put("groups", c.cvGroups().name().toLowerCase(Locale.ROOT));
                log.printf(
                        Locale.ROOT,
                        "cv %s %s -> %s: n=%d apgr=%.3f cpt50=%.3f%s%s%n",
                        p.file().getFileName(),
                        weak,
                        c.strong(),
                        e.n(),
                        e.router().apgr(),
                        e.router().cpt(0.5),
                        e.withinSource() == null
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        " within_source_apgr=%.3f",
                                        e.withinSource().apgr()),
                        e.cascade() == null ? "" : cascadeFigures(e));
            }
        }
        return out;
    }

    private static String cascadeFigures(PairEvaluation e) {
        return String.format(
                        Locale.ROOT,
                        " cascade_apgr=%.3f cascade_cpt50=%.3f",
                        e.cascade().apgr(),
                        e.cascade().cpt(0.5))
                + (e.cascadeWithinSource() == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                " cascade_within_source_apgr=%.3f",
                                e.cascadeWithinSource().apgr()));
    }

    private static String weakResponse(OutcomeRow r, String weak) {
        Outcome o = r.outcomes().get(weak);
        return o == null ? null : o.response();
    }

    /**
     * One JSON line per scored training row, in file order: its file, id, source and out-of-fold score, and, when the
     * row holds weak answers, {@code cascade}: each weak model's out-of-fold doubt, 1 - P(its answer is good enough).
     */
    private static void writeOutOfFold(
            Path file,
            List<DataPart> parts,
            Map<OutcomeRow, Double> scores,
            Map<OutcomeRow, Map<String, Double>> doubts)
            throws IOException {
        StringBuilder lines = new StringBuilder();
        for (DataPart p : parts) {
            for (OutcomeRow r : p.train()) {
                Double score = scores.get(r);
                if (score != null) {
                    ObjectNode line = JsonMapper.shared().createObjectNode();
                    line.put("data", p.file().getFileName().toString());
                    line.put("id", r.id());
                    line.put("source", r.source());
                    line.put("score", score);
                    Map<String, Double> doubt = doubts.get(r);
                    if (doubt != null) {
                        ObjectNode cascade = line.putObject("cascade");
                        doubt.forEach(cascade::put);
                    }
                    lines.append(line).append('\n');
                }
            }
        }
        Files.writeString(file, lines);
    }

    /** One (file, weak model) evaluation as the card reports it. */
    private static ObjectNode addPair(ArrayNode to, DataPart p, String weak, Config c, PairEvaluation e) {
        ObjectNode m = to.addObject();
        m.put("data", p.file().getFileName().toString());
        m.put("weak", weak);
        m.put("strong", c.strong());
        m.put("n", e.n());
        e.metrics().forEach(m::put);
        return m;
    }

    /** The row's cross-validation fold. */
    static int fold(OutcomeRow r, Config c) {
        String group =
                switch (c.cvGroups()) {
                    case SOURCE -> r.source();
                    case ROW -> r.id();
                };
        return Math.floorMod(Text.fnv1a(group, (int) c.seed()), c.cvFolds());
    }

    /** Each prompt is embedded once per run (and once across runs with an embedding cache file). */
    private static Supplier<SentenceEncoder> memoized(Config c, Supplier<SentenceEncoder> encoder) {
        EncoderModel model = c.features().encoderModel();
        SentenceEncoder cached = c.embeddingCache() == null
                ? EmbeddingCache.inMemory(model, encoder.get())
                : EmbeddingCache.onDisk(model, encoder.get(), c.embeddingCache());
        return () -> cached;
    }

    private static ObjectNode card(
            Config c,
            Clock clock,
            String sha,
            Artifact artifact,
            List<DataPart> parts,
            int difficultyRows,
            int answerRows) {
        ObjectNode card = JsonMapper.shared().createObjectNode();
        card.put("format", Artifact.MAGIC + "/" + Artifact.format(artifact.promptSpec(), artifact.difficulty()));
        card.put("version", c.version());
        card.put("sha256", sha);
        card.put("created", clock.instant().toString());
        card.put(
                "task",
                (c.label() == Label.GAIN
                                ? "difficulty = (1 + P(the cheap tier's answer is not good enough) - P(the strong"
                                        + " tier's is not)) / 2"
                                : "difficulty = P(the cheap tier's answer is not good enough)")
                        + "; answer scorer = P(answer good enough | prompt, answer)");
        ArrayNode data = card.putArray("data");
        for (DataPart p : parts) {
            ObjectNode d = data.addObject();
            d.put("file", p.file().getFileName().toString());
            d.put("sha256", p.sha256());
            d.put("train_rows", p.train().size());
            d.put("held_out_rows", p.test().size());
            ArrayNode sources = d.putArray("held_out_sources");
            new TreeSet<>(p.test().stream().map(OutcomeRow::source).toList()).forEach(sources::add);
        }
        card.put("attribution", c.attribution());
        card.put(
                "split_rule",
                "split=test is held out; split=all is held out by source when (fnv1a(source) & 0xffff) < test_fraction"
                        + " * 65536");
        card.put("test_fraction", c.testFraction());
        ObjectNode d = card.putObject("difficulty");
        d.put("features", c.features().toString());
        d.put(
                "label",
                switch (c.label()) {
                    case WEAK -> "1 - mean score of " + String.join(", ", c.weak()) + " (those present in the row)";
                    case ALL ->
                        "1 - mean score of every model in the row (rows holding one of " + String.join(", ", c.weak())
                                + ")";
                    case GAP ->
                        "(1 + score of " + c.strong() + " - mean score of " + String.join(", ", c.weak())
                                + " present in the row) / 2";
                    case GAIN ->
                        "(1 + P(weak fails) - P(strong fails)) / 2, two heads: 1 - mean score of "
                                + String.join(", ", c.weak()) + " (those present in the row), and 1 - score of "
                                + c.strong();
                });
        d.put("training_rows", difficultyRows);
        ObjectNode a = card.putObject("answer_scorer");
        a.put("features", "lexical(answer), lexical(prompt), hedges, refusals, echo, ngrams:" + c.answerBits());
        a.put(
                "label",
                answerRows > 0
                        ? "score of the response"
                        : "none: no responses in the training rows, a constant prior (mean score of their outcomes)");
        a.put("training_rows", answerRows);
        ObjectNode t = card.putObject("training");
        switch (c.fit()) {
            case Fit.Sgd s -> t.put("algorithm", "logistic regression, AdaGrad SGD, lazy L2");
            case Fit.Newton n -> {
                t.put(
                        "algorithm",
                        "difficulty: logistic regression to convergence by Newton's method, L2 on the mean loss,"
                                + " columns standardized and folded into the weights; answer scorer: AdaGrad SGD,"
                                + " lazy L2");
                t.put("difficulty_l2", n.l2());
            }
        }
        t.put("seed", c.seed());
        t.put("epochs", c.epochs());
        t.put("answer_epochs", c.answerEpochs());
        t.put("learning_rate", c.learningRate());
        t.put("l2", c.l2());
        t.put("strong", c.strong());
        return card;
    }
}
