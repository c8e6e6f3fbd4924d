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
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;
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
    /** What to train on and how. */
    public record Config(
            List<Path> data,
            List<String> weak,
            String strong,
            FeatureSpec features,
            int answerBits,
            long seed,
            int epochs,
            double learningRate,
            double l2,
            double testFraction,
            String version,
            Path out,
            String attribution) {
        public Config {
            data = List.copyOf(data);
            weak = List.copyOf(weak);
            if (data.isEmpty()) {
                throw new IllegalArgumentException("need at least one data file, got none");
            }
            if (weak.isEmpty()) {
                throw new IllegalArgumentException("need at least one weak model, got none");
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

    public static Result run(Config c, Clock clock, PrintStream log) throws IOException {
        return run(c, clock, log, Encoders::miniLm);
    }

    static Result run(Config c, Clock clock, PrintStream log, Supplier<SentenceEncoder> encoder) throws IOException {
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
        List<OutcomeRow> train = parts.stream().flatMap(p -> p.train().stream()).toList();

        List<OutcomeRow> labelled =
                train.stream().filter(r -> weakLabel(r, c.weak()) >= 0).toList();
        if (labelled.isEmpty()) {
            throw new IllegalArgumentException("no training row holds any of the weak models " + c.weak());
        }
        Standardizer lexical = Standardizer.fit(
                labelled.stream().map(r -> LexicalFeatures.of(r.prompt())).toList());
        PromptFeaturizer prompts = new PromptFeaturizer(c.features(), lexical, encoder);
        LogisticTrainer trainer = new LogisticTrainer(c.seed(), c.epochs(), c.learningRate(), c.l2());
        List<LogisticTrainer.Example> difficultyExamples = labelled.stream()
                .map(r -> new LogisticTrainer.Example(prompts.features(r.prompt()), weakLabel(r, c.weak())))
                .toList();
        LinearModel difficulty = trainer.fit(difficultyExamples, prompts.dimension());
        log.printf("difficulty model: %d examples, features %s%n", difficultyExamples.size(), c.features());

        List<String[]> answers = new ArrayList<>();
        List<Double> answerLabels = new ArrayList<>();
        for (OutcomeRow r : train) {
            for (Outcome o : r.outcomes().values()) {
                if (o.response() != null) {
                    answers.add(new String[] {r.prompt(), o.response()});
                    answerLabels.add(o.score());
                }
            }
        }
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("no training row holds model responses: the answer scorer needs some");
        }
        Standardizer answerDense = Standardizer.fit(
                answers.stream().map(a -> AnswerFeaturizer.raw(a[0], a[1])).toList());
        AnswerFeaturizer answerFeatures = new AnswerFeaturizer(answerDense, c.answerBits());
        List<LogisticTrainer.Example> answerExamples = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            String[] a = answers.get(i);
            answerExamples.add(new LogisticTrainer.Example(answerFeatures.features(a[0], a[1]), answerLabels.get(i)));
        }
        LinearModel answer = trainer.fit(answerExamples, answerFeatures.dimension());
        log.printf("answer scorer: %d examples%n", answerExamples.size());

        byte[] bin = new Artifact(c.features(), lexical, difficulty, c.answerBits(), answerDense, answer).toBytes();
        String sha = Artifact.sha256(bin);
        ObjectNode card = card(c, clock, sha, parts, labelled.size(), answerExamples.size());
        String cardJson = JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(card);
        RouterModel model = RouterModel.fromBytes(bin, cardJson, encoder);
        ArrayNode heldOut = card.putArray("held_out");
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
                        r -> model.score(r.prompt()),
                        r -> 1
                                - model.answerScorer()
                                        .goodEnough(r.prompt(), r.outcome(weak).response()));
                ObjectNode m = heldOut.addObject();
                m.put("data", p.file().getFileName().toString());
                m.put("weak", weak);
                m.put("strong", c.strong());
                m.put("n", e.n());
                e.metrics().forEach((k, v) -> m.put(k, v));
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
        return new Result(c.out(), cardPath, sha, RouterModel.fromBytes(bin, cardJson, encoder));
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

    private static ObjectNode card(
            Config c, Clock clock, String sha, List<DataPart> parts, int difficultyRows, int answerRows) {
        ObjectNode card = JsonMapper.shared().createObjectNode();
        card.put("format", Artifact.MAGIC + "/" + Artifact.FORMAT);
        card.put("version", c.version());
        card.put("sha256", sha);
        card.put("created", clock.instant().toString());
        card.put(
                "task",
                "difficulty = P(the cheap tier's answer is not good enough); answer scorer = P(answer good"
                        + " enough | prompt, answer)");
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
        d.put("label", "1 - mean score of " + String.join(", ", c.weak()) + " (those present in the row)");
        d.put("training_rows", difficultyRows);
        ObjectNode a = card.putObject("answer_scorer");
        a.put("features", "lexical(answer), lexical(prompt), hedges, refusals, echo, ngrams:" + c.answerBits());
        a.put("label", "score of the response");
        a.put("training_rows", answerRows);
        ObjectNode t = card.putObject("training");
        t.put("algorithm", "logistic regression, AdaGrad SGD, lazy L2");
        t.put("seed", c.seed());
        t.put("epochs", c.epochs());
        t.put("learning_rate", c.learningRate());
        t.put("l2", c.l2());
        t.put("strong", c.strong());
        return card;
    }
}
