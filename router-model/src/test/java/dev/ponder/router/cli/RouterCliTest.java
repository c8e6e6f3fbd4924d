package dev.ponder.router.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(report.resolve("sweep.csv")).content().startsWith("curve,threshold,strong_share");
        assertThat(report.resolve("sweep.svg")).content().contains("<svg", "oracle");
        assertThat(report.resolve("tiers.csv")).exists();
    }
}
