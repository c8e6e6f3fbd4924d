package dev.ponder.router.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.router.RouterModel;
import dev.ponder.router.SyntheticOutcomes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RouterCliTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return RouterCli.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                CLOCK);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "fit",
                "train --weak w --strong s --out m.bin",
                "train --data missing.jsonl --weak w --strong s --out m.bin",
                "eval --data missing.jsonl --weak w --strong s",
                "eval --weak",
                "eval --bogus 1",
            })
    void badArgumentsAreOneLineAndExitTwo(String line) {
        int code = run(line.split(" "));

        assertThat(code).isEqualTo(2);
        assertThat(err().strip())
                .doesNotContain("\n")
                .doesNotContain("Exception")
                .isNotEmpty();
    }

    @Test
    void badNumbersAndChoicesNameTheOption() throws IOException {
        Path data = Files.writeString(dir.resolve("d.jsonl"), "");

        assertThat(run("eval", "--data", data.toString(), "--weak", "w", "--strong", "s", "--delta", "x"))
                .isEqualTo(2);
        assertThat(err()).contains("--delta");
        assertThat(run("eval", "--data", data.toString(), "--weak", "w", "--strong", "s", "--rows", "some"))
                .isEqualTo(2);
        assertThat(err()).contains("--rows");
        assertThat(run("train", "--data", data.toString(), "--weak", "w", "--strong", "s", "--out", "m.model"))
                .isEqualTo(2);
        assertThat(err()).contains("NAME.bin");
        String train = "train --data " + data + " --weak w --strong s --out m.bin ";
        assertThat(run((train + "--fit exact").split(" "))).isEqualTo(2);
        assertThat(err()).contains("--fit must be sgd or newton");
        assertThat(run((train + "--label best").split(" "))).isEqualTo(2);
        assertThat(err()).contains("--label must be one of weak, all, gap, gain, got 'best'");
        assertThat(run((train + "--cv 5 --cv-groups prompt").split(" "))).isEqualTo(2);
        assertThat(err()).contains("--cv-groups must be source or row, got 'prompt'");
        assertThat(run((train + "--newton-l2 1e-3").split(" "))).isEqualTo(2);
        assertThat(err()).contains("--newton-l2 applies only to --fit newton");
    }

    @ParameterizedTest
    @ValueSource(strings = {"train --help", "eval --help", "eval -h", "train --data missing.jsonl --help"})
    void helpPrintsTheSubcommandsUsageAndExitsZero(String line) {
        String command = line.split(" ")[0];

        assertThat(run(line.split(" "))).as(err()).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: " + command + " --data FILE");
        assertThat(err()).isEmpty();
    }

    @Test
    void noArgumentsPrintsUsage() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).contains("train --data", "eval --data");
    }

    @Test
    void trainThenEvalEndsWithTheMetricsAsJson() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 240);
        Path model = dir.resolve("m.bin");
        Path report = dir.resolve("report");

        String pair = "--data " + data + " --weak weak --strong strong ";

        assertThat(run(("train " + pair + "--out " + model + " --features lexical,ngrams:10 --answer-bits 10")
                        .split(" ")))
                .as(err())
                .isZero();
        assertThat(run(("eval " + pair + "--router " + model + " --rows heldout --out " + report
                                + " --tiers weak,strong")
                        .split(" ")))
                .as(err())
                .isZero();

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        JsonNode last = JsonMapper.shared().readTree(lines.getLast());
        assertThat(last.has("n") && last.has("apgr") && last.has("cpt50") && last.has("cpt80"))
                .isTrue();
        assertThat(last.path("random_apgr").asDouble()).isEqualTo(0.5);
        assertThat(last.path("apgr").asDouble()).isGreaterThan(0.5);
        assertThat(last.path("oracle_apgr").asDouble())
                .isGreaterThan(last.path("apgr").asDouble());
        assertThat(last.path("evaluated").asString()).isEqualTo("router+cascade");
        // Two synthetic sources, maths and capitals: the within-source figure is reported beside the pooled one.
        assertThat(last.has("within_source_apgr") && last.has("cascade_within_source_apgr"))
                .isTrue();
        assertThat(lines).anyMatch(l -> l.startsWith("within sources: router APGR "));
        assertThat(last.path("apgr_ci95_low").asDouble())
                .isLessThan(last.path("apgr_ci95_high").asDouble());
        assertThat(last.path("apgr_se").asDouble()).isPositive();
        assertThat(report.resolve("sweep.csv")).content().startsWith("curve,threshold,strong_share");
        assertThat(report.resolve("sweep.svg")).content().contains("<svg", "oracle");
        assertThat(report.resolve("tiers.csv")).exists();
    }

    /** Trains a lexical router on {@code data} with {@code options} added; answers its card. */
    private JsonNode trainCard(Path data, String name, String options) throws IOException {
        Path model = dir.resolve(name + ".bin");
        assertThat(run(("train --data " + data + " --weak weak --strong strong --out " + model
                                + " --features lexical --answer-bits 10 --epochs 2 " + options)
                        .strip()
                        .split(" ")))
                .as(err())
                .isZero();
        return JsonMapper.shared().readTree(dir.resolve(name + ".card.json").toFile());
    }

    @Test
    void theAnswerScorerTrainsForEpochsUnlessAnswerEpochsSaysOtherwise() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 120);

        JsonNode byDefault = trainCard(data, "default", "");
        JsonNode same = trainCard(data, "same", "--answer-epochs 2");
        JsonNode shorter = trainCard(data, "shorter", "--answer-epochs 1");

        assertThat(same.path("sha256")).isEqualTo(byDefault.path("sha256"));
        assertThat(byDefault.path("training").path("answer_epochs").asInt()).isEqualTo(2);
        assertThat(shorter.path("sha256")).isNotEqualTo(byDefault.path("sha256"));
        assertThat(shorter.path("training").path("answer_epochs").asInt()).isEqualTo(1);
        String prompt = "Prove that the integral of x^2 * sin(x) equals the derived closed form.";
        String answer = "I'm not sure, it might be unclear.";
        RouterModel a = RouterModel.load(dir.resolve("default.bin"));
        RouterModel b = RouterModel.load(dir.resolve("shorter.bin"));
        assertThat(b.difficulty(prompt)).isEqualTo(a.difficulty(prompt));
        assertThat(b.answerScorer().goodEnough(prompt, answer))
                .isNotEqualTo(a.answerScorer().goodEnough(prompt, answer));
    }

    /** A lexical router trained on the synthetic file, for evals of other files. */
    private Path trainedRouter(Path data) {
        Path model = dir.resolve("m.bin");
        assertThat(run(("train --data " + data + " --weak weak --strong strong --out " + model
                                + " --features lexical --answer-bits 10 --epochs 4")
                        .split(" ")))
                .as(err())
                .isZero();
        out.reset();
        return model;
    }

    private JsonNode lastLine() {
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        return JsonMapper.shared().readTree(lines.getLast());
    }

    private static String row(String id, String split, String source, double weak, double strong) {
        return "{\"id\":\"" + id + "\",\"split\":\"" + split + "\",\"source\":\"" + source
                + "\",\"prompt\":\"Question " + id + "?\",\"outcomes\":{\"weak\":{\"score\":" + weak
                + "},\"strong\":{\"score\":" + strong + "}}}";
    }

    @Test
    void heldoutKeepsEveryRowOfAFileTheRouterNeverTrainedOn() throws IOException {
        Path model = trainedRouter(SyntheticOutcomes.write(dir, 120));
        // Foreign rows marked "train", or held out by a source hash that has nothing to do with this router.
        List<String> foreign = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            foreign.add(row("f" + i, i % 2 == 0 ? "train" : "validation", "src" + i % 7, i % 3 == 0 ? 0 : 1, 1));
        }
        Path data = Files.write(dir.resolve("foreign.jsonl"), foreign);

        assertThat(evalWeakStrong(data, model, "--rows", "heldout")).as(err()).isZero();

        assertThat(lastLine().path("n").asInt()).isEqualTo(40);
    }

    @Test
    void heldoutStillDropsTheRowsOfTheTrainingFileTheRouterSaw() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 120);
        Path model = trainedRouter(data);

        assertThat(evalWeakStrong(data, model, "--rows", "heldout")).as(err()).isZero();

        // SyntheticOutcomes marks every fourth row "test".
        assertThat(lastLine().path("n").asInt()).isEqualTo(30);
    }

    @Test
    void rowsWithoutBothModelsAreCountedAsSkippedAndATinyFileIsStillEvaluated() throws IOException {
        Path model = trainedRouter(SyntheticOutcomes.write(dir, 120));
        Path data = Files.write(
                dir.resolve("tiny.jsonl"),
                List.of(
                        row("a", "test", "s", 0, 1),
                        row("b", "test", "s", 1, 1),
                        "{\"id\":\"c\",\"prompt\":\"no strong\",\"outcomes\":{\"weak\":{\"score\":1}}}",
                        row("d", "test", "s", 0, 0)));

        assertThat(evalWeakStrong(data, model)).as(err()).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("4 rows read, 1 without both models skipped")
                .contains("cascade skipped (not every row holds the weak model's response)");
        JsonNode last = lastLine();
        assertThat(last.path("n").asInt()).isEqualTo(3);
        assertThat(last.path("rows_read").asInt()).isEqualTo(4);
        assertThat(last.path("random_apgr").asDouble()).isEqualTo(0.5);
        assertThat(last.has("calibrated")).isTrue();
        assertThat(last.get("calibrated").isNull()).isTrue();
    }

    @Test
    void aFileWithoutTheNamedModelsSaysWhichModelsItHolds() throws IOException {
        Path model = trainedRouter(SyntheticOutcomes.write(dir, 120));

        int code = run(
                "eval",
                "--data",
                dir.resolve("outcomes.jsonl").toString(),
                "--weak",
                "gpt-3.5",
                "--strong",
                "strong",
                "--router",
                model.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err().strip()).doesNotContain("\n").contains("models in the file: strong, weak");
    }

    @Test
    void tiedModelsPrintNullGapMetricsAndSaySo() throws IOException {
        Path model = trainedRouter(SyntheticOutcomes.write(dir, 120));
        List<String> tied = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tied.add(row("t" + i, "test", "s", i % 2, i % 2));
        }
        Path data = Files.write(dir.resolve("tied.jsonl"), tied);

        assertThat(evalWeakStrong(data, model)).as(err()).isZero();

        JsonNode last = lastLine();
        assertThat(last.get("apgr").isNull()).isTrue();
        assertThat(last.get("random_apgr").isNull()).isTrue();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("APGR and CPT are undefined");
    }

    @Test
    void tiersSayWhetherTheirCostIsDollarsOrTierPosition() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 120);
        Path model = trainedRouter(data);

        assertThat(evalWeakStrong(data, model, "--tiers", "weak,strong")).isZero();
        assertThat(lastLine().path("tiers").path("cost_unit").asString()).isEqualTo("usd");

        out.reset();
        Path noCost = Files.writeString(
                dir.resolve("no-cost.jsonl"), Files.readString(data).replace(",\"cost_usd\":0.01", ""));
        assertThat(evalWeakStrong(noCost, model, "--tiers", "weak,strong")).isZero();
        assertThat(lastLine().path("tiers").path("cost_unit").asString()).isEqualTo("tier_position");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("cost unit: tier position");
    }

    @Test
    void evalRefusesASecondDataFileAndAnOutThatIsAFileBeforeScoringAnything() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 20);
        Path file = Files.writeString(dir.resolve("report"), "");

        assertThat(run("eval", "--data", data + "," + data, "--weak", "weak", "--strong", "strong"))
                .isEqualTo(2);
        assertThat(err()).contains("--data takes one file, got 2");
        assertThat(evalWeakStrong(data, "--out", file.toString())).isEqualTo(2);
        assertThat(err()).contains("--out must name a directory", file.toString());
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aWeakModelBetterThanTheStrongOneIsPointedOut() throws IOException {
        Path model = trainedRouter(SyntheticOutcomes.write(dir, 120));
        List<String> inverted = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            inverted.add(row("i" + i, "test", "s", 1, i % 3 == 0 ? 1 : 0));
        }
        Path data = Files.write(dir.resolve("inverted.jsonl"), inverted);

        assertThat(evalWeakStrong(data, model)).isZero();

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("the weak model scores higher than the strong one");
    }

    @Test
    void rowsSharingOneIdOrHavingNoneAreStillSplitForCalibration() throws IOException {
        Path model = trainedRouter(SyntheticOutcomes.write(dir, 120));
        List<String> same = new ArrayList<>();
        List<String> none = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String row = row("x", "test", "s", i % 3 == 0 ? 0 : 1, 1);
            same.add(row);
            none.add(row.replace("\"id\":\"x\",", ""));
        }

        for (Path data : List.of(
                Files.write(dir.resolve("same-id.jsonl"), same), Files.write(dir.resolve("no-id.jsonl"), none))) {
            out.reset();
            assertThat(evalWeakStrong(data, model)).as(err()).isZero();

            JsonNode calibrated = lastLine().path("calibrated");
            assertThat(calibrated.path("calibration_rows").asInt())
                    .as(data.getFileName().toString())
                    .isBetween(5, 35)
                    .isEqualTo(40 - calibrated.path("test_rows").asInt());
        }
    }

    @Test
    void rowsWithUniqueIdsAreSplitByTheirIdWhereverTheyStand() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 120);
        Path model = trainedRouter(data);
        List<String> reversed = new ArrayList<>(Files.readAllLines(data));
        Collections.reverse(reversed);

        assertThat(evalWeakStrong(data, model)).isZero();
        JsonNode inOrder = lastLine().path("calibrated");
        out.reset();
        assertThat(evalWeakStrong(Files.write(dir.resolve("reversed.jsonl"), reversed), model))
                .isZero();

        assertThat(lastLine().path("calibrated")).isEqualTo(inOrder);
    }

    @Test
    void whenNoThresholdPassesTheCalibrationSaysItFellBackToAllStrong() throws IOException {
        Path model = trainedRouter(SyntheticOutcomes.write(dir, 120));
        // With 0/1 scores, even all-strong (no loss) passes the test only on about 45 calibration rows at the defaults.
        List<String> few = new ArrayList<>();
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            (i < 40 ? few : many).add(row("r" + i, "test", "s", i % 2, 1));
        }

        assertThat(evalWeakStrong(Files.write(dir.resolve("few.jsonl"), few), model))
                .isZero();
        JsonNode fallback = lastLine().path("calibrated");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("no threshold passed the test, not even all-strong (")
                .contains("rows are too few for this target and delta), so this is the fallback: every call to"
                        + " strong, which keeps 1.000 of strong's quality by construction, not by the test");
        out.reset();
        assertThat(evalWeakStrong(Files.write(dir.resolve("many.jsonl"), many), model))
                .isZero();
        JsonNode tested = lastLine().path("calibrated");

        assertThat(fallback.path("chosen_by").asString()).isEqualTo("fallback_all_strong");
        assertThat(fallback.path("threshold").asDouble()).isEqualTo(-1);
        assertThat(fallback.path("guaranteed").asBoolean()).isFalse();
        assertThat(tested.path("chosen_by").asString()).isEqualTo("test");
        assertThat(tested.path("guaranteed").asBoolean()).isTrue();
    }

    @Test
    void tiersCsvRoundsItsFiguresLikeTheReport() throws IOException {
        Path data = SyntheticOutcomes.write(dir, 120);
        Path model = trainedRouter(data);
        Path report = dir.resolve("report");

        assertThat(evalWeakStrong(data, model, "--tiers", "weak,strong", "--out", report.toString()))
                .isZero();

        List<String> lines = Files.readAllLines(report.resolve("tiers.csv"));
        assertThat(lines).hasSizeGreaterThan(2);
        // thresholds (full precision), shares, quality, cost, frontier
        assertThat(lines.subList(1, lines.size())).allSatisfy(line -> assertThat(line)
                .matches("\"[^\"]+\",\"[0-9]+\\.[0-9]{1,4}( [0-9]+\\.[0-9]{1,4})*\","
                        + "[0-9]+\\.[0-9]{1,4},[0-9]+\\.[0-9]{1,8},(true|false)"));
    }

    /** {@code eval} of the weak/strong pair of the synthetic files with the given router. */
    private int evalWeakStrong(Path data, Path router, String... more) {
        List<String> args = new ArrayList<>(List.of("--router", router.toString()));
        args.addAll(List.of(more));
        return evalWeakStrong(data, args.toArray(String[]::new));
    }

    /** {@code eval} of the weak/strong pair of the synthetic files with the bundled router. */
    private int evalWeakStrong(Path data, String... more) {
        List<String> args =
                new ArrayList<>(List.of("eval", "--data", data.toString(), "--weak", "weak", "--strong", "strong"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }
}
