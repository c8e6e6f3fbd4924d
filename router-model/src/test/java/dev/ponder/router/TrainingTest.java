package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ponder.router.eval.Outcome;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import dev.ponder.router.eval.RoutingCurve;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TrainingTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC);
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    private Training.Result train(Path data, long seed, String name) throws IOException {
        return Training.run(config(data, seed, name, Training.Label.WEAK, 0), CLOCK, QUIET, () -> {
            throw new AssertionError("no encoder in this feature spec");
        });
    }

    private Training.Config config(Path data, long seed, String name, Training.Label label, int folds) {
        return config(
                List.of(data),
                seed,
                name,
                label,
                folds,
                Training.CvGroups.SOURCE,
                "lexical,ngrams:10",
                new Training.Fit.Sgd(),
                null);
    }

    private Training.Config config(
            List<Path> data,
            long seed,
            String name,
            Training.Label label,
            int folds,
            Training.CvGroups groups,
            String features,
            Training.Fit fit,
            Path outOfFold) {
        return new Training.Config(
                data,
                List.of("weak"),
                "strong",
                FeatureSpec.parse(features),
                10,
                seed,
                3,
                3,
                0.1,
                1e-4,
                fit,
                0.5,
                "test-" + seed,
                dir.resolve(name + ".bin"),
                "synthetic data",
                label,
                folds,
                groups,
                null,
                outOfFold);
    }

    @Test
    void crossValidationScoresEachPairOnSourcesItsFoldNeverSawAndGoesIntoTheCard() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 200);
        // Seed 1 puts the two synthetic sources (maths, capitals) in different folds of two.
        Training.Config config = config(data, 1, "cv", Training.Label.WEAK, 2);

        JsonNode cv = Training.crossValidate(config, QUIET);
        Training.Result r = Training.run(config, CLOCK, QUIET, () -> {
            throw new AssertionError("no encoder in this feature spec");
        });

        assertThat(cv).hasSize(1);
        assertThat(cv.get(0).path("n").asInt()).isEqualTo(150);
        assertThat(cv.get(0).path("folds").asInt()).isEqualTo(2);
        assertThat(cv.get(0).path("groups").asString()).isEqualTo("source");
        assertThat(cv.get(0).has("apgr")).isTrue();
        assertThat(JsonMapper.shared().readTree(r.card().toFile()).path("cross_validation"))
                .isEqualTo(cv);
        assertThat(Files.exists(dir.resolve("cv.bin"))).isTrue();
    }

    @Test
    void outOfFoldScoresGoToTheirFileOneLinePerTrainingRowAndGiveTheCvFigure() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 200);
        Path oof = dir.resolve("oof.jsonl");
        Training.Config config = config(
                List.of(data),
                1,
                "oof",
                Training.Label.WEAK,
                2,
                Training.CvGroups.SOURCE,
                "lexical",
                new Training.Fit.Newton(1e-3),
                oof);

        JsonNode cv = Training.crossValidate(config, QUIET);

        Map<String, OutcomeRow> rows =
                OutcomeFile.read(data).stream().collect(Collectors.toMap(OutcomeRow::id, r -> r));
        List<JsonNode> lines = Files.readAllLines(oof).stream()
                .map(JsonMapper.shared()::readTree)
                .toList();
        assertThat(lines).hasSize(150).allSatisfy(l -> assertThat(l.path("data").asString())
                .isEqualTo("outcomes.jsonl"));
        double[] score =
                lines.stream().mapToDouble(l -> l.path("score").asDouble()).toArray();
        double[] weak = lines.stream()
                .mapToDouble(
                        l -> rows.get(l.path("id").asString()).outcome("weak").score())
                .toArray();
        double[] strong = lines.stream()
                .mapToDouble(
                        l -> rows.get(l.path("id").asString()).outcome("strong").score())
                .toArray();
        assertThat(RoutingCurve.unitCost(score, weak, strong).apgr())
                .isCloseTo(cv.get(0).path("apgr").asDouble(), within(1e-4));
    }

    /**
     * One source per file, each in its own fold of two: 4 weak answers say "I don't know" (wrong), 4 name a word only
     * that source uses, for wrong answers, and 12 another word of the same length, for right ones (so only the words
     * tell them apart); the strong model is always right. A scorer that learned from the other source only knows that
     * "I don't know" is wrong, so it escalates those 4 first and ties the other 16.
     */
    private Path answeredQuiz(String source, String wrongWord, String rightWord) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String weak = i < 4 ? "I don't know." : i < 8 ? "Answer " + wrongWord + "." : "Answer " + rightWord + ".";
            lines.add("{\"id\":\"" + source + "." + i + "\",\"source\":\"" + source
                    + "\",\"split\":\"train\",\"prompt\":\"Which animal is it?\",\"outcomes\":{\"weak\":{\"score\":"
                    + (i < 8 ? 0 : 1) + ",\"response\":\"" + weak + "\"},\"strong\":{\"score\":1,"
                    + "\"response\":\"Certainly.\"}}}");
        }
        Path file = dir.resolve(source.replace('/', '-') + ".jsonl");
        Files.write(file, lines);
        return file;
    }

    /** The two quizzes, each its own source, cross-validated in two folds (seed 1 puts the sources in different ones). */
    private Training.Config quizzes(Training.CvGroups groups, Path outOfFold) throws IOException {
        return config(
                List.of(answeredQuiz("quiz/zoo", "zebra", "llama"), answeredQuiz("quiz/wild", "quokka", "jaguar")),
                1,
                "cascade",
                Training.Label.WEAK,
                2,
                groups,
                "lexical",
                new Training.Fit.Sgd(),
                outOfFold);
    }

    @Test
    void theCascadesCvFiguresComeFromAnAnswerScorerThatNeverSawTheFoldsOwnAnswers() throws IOException {
        Path oof = dir.resolve("oof.jsonl");

        JsonNode cv = Training.crossValidate(quizzes(Training.CvGroups.SOURCE, oof), QUIET);

        // By hand: escalating the 4 "I don't know" first recovers 4 of the 8 weak failures at a 20% strong share, then
        // the tied 16 rise linearly to all of them: APGR = 0.2 * (0 + 0.5) / 2 + 0.8 * (0.5 + 1) / 2 = 0.65.
        // A scorer that saw the fold's own answers would also escalate the 4 wrong words first: 0.8.
        assertThat(cv).hasSize(2).allSatisfy(pair -> {
            assertThat(pair.path("cascade_apgr").asDouble()).isCloseTo(0.65, within(1e-9));
            assertThat(pair.path("cascade_cpt50").asDouble()).isCloseTo(0.2, within(1e-9));
        });
        List<JsonNode> lines = Files.readAllLines(oof).stream()
                .map(JsonMapper.shared()::readTree)
                .toList();
        double[] doubt = lines.stream()
                .filter(l -> l.path("source").asString().equals("quiz/zoo"))
                .mapToDouble(l -> l.path("cascade").path("weak").asDouble())
                .toArray();
        double[] weak = new double[20];
        Arrays.fill(weak, 8, 20, 1);
        double[] strong = new double[20];
        Arrays.fill(strong, 1);
        assertThat(lines).hasSize(40).allSatisfy(l -> assertThat(l.has("score")).isTrue());
        assertThat(RoutingCurve.unitCost(doubt, weak, strong).apgr()).isCloseTo(0.65, within(1e-9));
    }

    @Test
    void foldsByRowSpreadEachSourceOverSeveralFoldsFoldsBySourceNeverDo() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 200);
        Training.Config bySource = config(data, 42, "s", Training.Label.WEAK, 5);
        Training.Config byRow = config(
                List.of(data),
                42,
                "r",
                Training.Label.WEAK,
                5,
                Training.CvGroups.ROW,
                "lexical",
                new Training.Fit.Sgd(),
                null);
        List<OutcomeRow> rows = OutcomeFile.read(data);

        Map<String, Set<Integer>> sourceFolds = rows.stream()
                .collect(Collectors.groupingBy(
                        OutcomeRow::source, Collectors.mapping(r -> Training.fold(r, bySource), Collectors.toSet())));
        Map<String, Set<Integer>> rowFolds = rows.stream()
                .collect(Collectors.groupingBy(
                        OutcomeRow::source, Collectors.mapping(r -> Training.fold(r, byRow), Collectors.toSet())));

        assertThat(sourceFolds).hasSize(2).allSatisfy((source, folds) -> assertThat(folds)
                .hasSize(1));
        assertThat(rowFolds).hasSize(2).allSatisfy((source, folds) -> assertThat(folds)
                .containsExactlyInAnyOrder(0, 1, 2, 3, 4));
        Path unnamed = Files.writeString(
                dir.resolve("unnamed.jsonl"),
                "{\"split\":\"train\",\"prompt\":\"p\",\"outcomes\":{\"weak\":{\"score\":1},"
                        + "\"strong\":{\"score\":1}}}\n");
        assertThatThrownBy(() -> Training.crossValidate(
                        config(
                                List.of(unnamed),
                                42,
                                "u",
                                Training.Label.WEAK,
                                5,
                                Training.CvGroups.ROW,
                                "lexical",
                                new Training.Fit.Sgd(),
                                null),
                        QUIET))
                .hasMessageContaining("1 training rows have none");
    }

    @Test
    void byRowTheCascadesScorerJudgesAnswersOfTheSourcesItLearnedFrom() throws IOException {
        JsonNode cv = Training.crossValidate(quizzes(Training.CvGroups.ROW, null), QUIET);

        // The same quizzes as by source, where the scorer never saw a fold's wrong words and got 0.65: by row it
        // learned
        // them from the other fold's answers of the same quiz, so it escalates all 8 wrong answers first: 0.8.
        assertThat(cv).hasSize(2).allSatisfy(pair -> {
            assertThat(pair.path("groups").asString()).isEqualTo("row");
            assertThat(pair.path("cascade_apgr").asDouble()).isCloseTo(0.8, within(1e-9));
        });
    }

    @Test
    void aNewtonFitTrainsALoadableDifficultyModelOnDenseFeaturesOnly() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 200);

        Training.Result r = Training.run(
                config(
                        List.of(data),
                        1,
                        "newton",
                        Training.Label.WEAK,
                        0,
                        Training.CvGroups.SOURCE,
                        "lexical",
                        new Training.Fit.Newton(1e-3),
                        null),
                CLOCK,
                QUIET,
                () -> {
                    throw new AssertionError("no encoder in this feature spec");
                });

        assertThat(RouterModel.load(r.artifact())
                        .difficulty("Prove step by step that the integral of x^3 * sin(x)"
                                + " over [0, 9] equals the derived closed form; justify each equation for Peru."))
                .isGreaterThan(r.model().difficulty("What is the capital of Peru?"));
        JsonNode training = JsonMapper.shared().readTree(r.card().toFile()).path("training");
        assertThat(training.path("algorithm").asString()).contains("Newton");
        assertThat(training.path("difficulty_l2").asDouble()).isEqualTo(1e-3);
        assertThatThrownBy(() -> config(
                        List.of(data),
                        1,
                        "wide",
                        Training.Label.WEAK,
                        0,
                        Training.CvGroups.SOURCE,
                        "lexical,ngrams:10",
                        new Training.Fit.Newton(1e-3),
                        null))
                .hasMessageContaining("hashed n-grams need the sgd fit");
        assertThatThrownBy(() -> config(
                        List.of(data),
                        1,
                        "oof",
                        Training.Label.WEAK,
                        0,
                        Training.CvGroups.SOURCE,
                        "lexical",
                        new Training.Fit.Sgd(),
                        dir.resolve("o")))
                .hasMessageContaining("need cross-validation");
    }

    @Test
    void labelsArePWeakWrongPooledDifficultyOrTheStrongMinusWeakGap() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 8);
        OutcomeRow row = new OutcomeRow(
                "r",
                "s",
                "train",
                "p",
                Map.of(
                        "weak", new Outcome(0, null, null),
                        "mid", new Outcome(1, null, null),
                        "strong", new Outcome(1, null, null)));

        assertThat(Training.label(row, config(data, 1, "w", Training.Label.WEAK, 0)))
                .isEqualTo(1);
        assertThat(Training.label(row, config(data, 1, "a", Training.Label.ALL, 0)))
                .isCloseTo(1 / 3.0, within(1e-12));
        assertThat(Training.label(row, config(data, 1, "g", Training.Label.GAP, 0)))
                .isEqualTo(1);
        assertThat(Training.label(row, config(data, 1, "n", Training.Label.GAIN, 0)))
                .isEqualTo(1);
        OutcomeRow noStrong = new OutcomeRow("r2", "s", "train", "p", Map.of("weak", new Outcome(0, null, null)));
        assertThat(Training.label(noStrong, config(data, 1, "n", Training.Label.GAIN, 0)))
                .isEqualTo(-1);
    }

    @Test
    void theGainLabelSendsUpWhatOnlyTheStrongModelGetsRightNotWhatBothFail() throws IOException {
        // Three kinds of prompt: both models right (capitals), only strong right (integrals), both wrong (riddles).
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            int kind = i % 3;
            String prompt =
                    switch (kind) {
                        case 0 -> "What is the capital of country " + i + "?";
                        case 1 -> "Compute the integral of x^" + i + " sin(x) dx from 0 to pi.";
                        default -> "Riddle " + i + ": which word do the sphinx and the oracle both refuse?";
                    };
            lines.add("{\"id\":\"k" + i + "\",\"source\":\"s" + kind + "\",\"split\":\""
                    + (i < 210 ? "train" : "test") + "\",\"prompt\":\"" + prompt
                    + "\",\"outcomes\":{\"weak\":{\"score\":"
                    + (kind == 0 ? 1 : 0) + "},\"strong\":{\"score\":" + (kind == 2 ? 0 : 1) + "}}}");
        }
        Path data = Files.write(dir.resolve("kinds.jsonl"), lines);
        String capital = "What is the capital of country 999?";
        String integral = "Compute the integral of x^999 sin(x) dx from 0 to pi.";
        String riddle = "Riddle 999: which word do the sphinx and the oracle both refuse?";

        RouterModel gain = Training.run(config(data, 1, "gain", Training.Label.GAIN, 0), CLOCK, QUIET, () -> null)
                .model();
        RouterModel weak = Training.run(config(data, 1, "weak", Training.Label.WEAK, 0), CLOCK, QUIET, () -> null)
                .model();

        assertThat(gain.difficulty(integral)).isGreaterThan(gain.difficulty(riddle) + 0.2);
        assertThat(gain.difficulty(riddle)).isCloseTo(gain.difficulty(capital), within(0.15));
        assertThat(weak.difficulty(riddle)).isGreaterThan(weak.difficulty(capital) + 0.2);
    }

    @Test
    void theSameSeedGivesTheSameChecksumAndAnotherSeedDoesNot() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 200);

        Training.Result a = train(data, 7, "a");
        Training.Result b = train(data, 7, "b");
        Training.Result c = train(data, 8, "c");

        assertThat(a.sha256()).isEqualTo(b.sha256());
        assertThat(Files.readAllBytes(a.artifact())).isEqualTo(Files.readAllBytes(b.artifact()));
        assertThat(c.sha256()).isNotEqualTo(a.sha256());
    }

    @Test
    void theTrainedModelRanksHardPromptsAboveEasyOnesAndDoubtsHedges() throws IOException {
        RouterModel model = train(SyntheticOutcomes.write(dir, 200), 1, "m").model();

        double hard = model.difficulty("Prove step by step that the integral of x^3 * sin(x) over [0, 999] equals the"
                + " derived closed form; justify each equation for Peru.");
        double easy = model.difficulty("What is the capital of Peru?");

        assertThat(hard).isGreaterThan(easy);
        assertThat(model.answerScorer().goodEnough("What is the capital of Peru?", "The answer is Peru City."))
                .isGreaterThan(model.answerScorer()
                        .goodEnough("What is the capital of Peru?", "I'm not sure, it might be unclear."));
    }

    @Test
    void theArtifactReloadsWithItsCardAndHeldOutMetrics() throws IOException {
        Training.Result r = train(SyntheticOutcomes.write(dir, 200), 1, "m");

        RouterModel loaded = RouterModel.load(r.artifact());

        assertThat(loaded.checksum()).isEqualTo(r.sha256());
        assertThat(loaded.version()).isEqualTo("test-1");
        assertThat(loaded.modelCard())
                .contains("\"held_out\"", "\"apgr\"", "\"oracle_apgr\"", "synthetic data", r.sha256());
        JsonNode pair = JsonMapper.shared()
                .readTree(loaded.modelCard())
                .path("held_out")
                .get(0);
        assertThat(pair.path("apgr_ci95_low").asDouble())
                .isLessThanOrEqualTo(pair.path("apgr_ci95_high").asDouble());
        assertThat(pair.has("apgr_se")).isTrue();
        assertThat(loaded.difficulty("What is the capital of Peru?"))
                .isEqualTo(r.model().difficulty("What is the capital of Peru?"));
    }

    @Test
    void aCardThatDoesNotMatchTheWeightsIsRejected() throws IOException {
        Training.Result r = train(SyntheticOutcomes.write(dir, 200), 1, "m");
        Files.writeString(r.card(), Files.readString(r.card()).replace(r.sha256(), "0".repeat(64)));

        assertThatThrownBy(() -> RouterModel.load(r.artifact()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void aCardThatIsNotJsonIsRejectedAsABadArtifact() throws IOException {
        Training.Result r = train(SyntheticOutcomes.write(dir, 200), 1, "m");
        Files.writeString(r.card(), "{not json");

        assertThatThrownBy(() -> RouterModel.load(r.artifact()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
    }

    @Test
    void scoreOnlyDataTrainsARouterWhoseAnswerScorerIsThePrior() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 200);
        Path scoreOnly = Files.writeString(
                dir.resolve("score-only.jsonl"), Files.readString(data).replaceAll(",\"response\":\"[^\"]*\"", ""));

        Training.Result r = train(scoreOnly, 42, "score-only");

        // Every answer gets the same P(good enough): the mean score of the training rows' outcomes.
        double good = r.model().answerScorer().goodEnough("What is the capital of Peru?", "Lima.");
        assertThat(r.model().answerScorer().goodEnough("Prove it.", "I'm not sure."))
                .isEqualTo(good);
        assertThat(good).isBetween(0.5, 0.9);
        assertThat(JsonMapper.shared()
                        .readTree(r.card().toFile())
                        .path("answer_scorer")
                        .path("training_rows")
                        .asInt())
                .isZero();
        assertThat(r.model().difficulty("Prove step by step that the integral of x^3 * sin(x) equals it."))
                .isGreaterThan(r.model().difficulty("What is the capital of Peru?"));
    }

    @Test
    void aFileWhoseRowsAreAllHeldOutSaysSoInsteadOfBlamingTheModelNames() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 40);
        Path allTest = Files.writeString(
                dir.resolve("all-test.jsonl"),
                Files.readString(data).replace("\"split\":\"train\"", "\"split\":\"test\""));

        assertThatThrownBy(() -> train(allTest, 42, "nothing"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is held out")
                .hasMessageContaining("--test-fraction");
    }
}
