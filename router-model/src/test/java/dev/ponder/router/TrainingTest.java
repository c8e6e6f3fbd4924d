package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC);
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    private Training.Result train(Path data, long seed, String name) throws IOException {
        Training.Config config = new Training.Config(
                List.of(data),
                List.of("weak"),
                "strong",
                FeatureSpec.parse("lexical,ngrams:10"),
                10,
                seed,
                3,
                0.1,
                1e-4,
                0.5,
                "test-" + seed,
                dir.resolve(name + ".bin"),
                "synthetic data");
        return Training.run(config, CLOCK, QUIET, () -> {
            throw new AssertionError("no encoder in this feature spec");
        });
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
}
