package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.router.RouterModel;
import dev.ponder.router.cli.RouterCli;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ponder.learning.model}: a router trained offline by {@code train}, served in place of the jar's. */
class LearningConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void aModelTrainedByTheTrainCommandIsServedInPlaceOfTheJarsWhileNoVersionIsActive() throws Exception {
        Path artifact = train();

        RouterModels models = new RouterModels(null, null, null, LearningConfiguration.bundled(artifact));

        assertThat(models.currentVersion()).isEqualTo(RouterModels.BUNDLED);
        assertThat(models.current().version()).isEqualTo("offline-1");
        assertThat(models.current().checksum())
                .isEqualTo(RouterModel.load(artifact).checksum())
                .isNotEqualTo(RouterModel.loadDefault().checksum());
    }

    @Test
    void withoutTheSettingTheJarsModelServes() {
        assertThat(LearningConfiguration.bundled(null)).isSameAs(RouterModel.loadDefault());
    }

    @Test
    void anArtifactThatCannotBeLoadedStopsTheStartNamingTheSetting() throws Exception {
        Path artifact = train();
        Files.delete(RouterModel.cardPath(artifact));

        assertThatThrownBy(() -> LearningConfiguration.bundled(artifact))
                .isInstanceOf(StartupFailure.class)
                .hasMessageStartingWith("ponder.learning.model: ")
                .hasMessageContaining(artifact.toString());
    }

    /** {@code ponder.jar train} on a small outcome file, with the lexical features only (no encoder to load). */
    private Path train() throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            boolean hard = i % 2 == 0;
            rows.add("{\"id\":\"r" + i + "\",\"source\":\"s" + (i % 4) + "\",\"split\":\"" + (i < 50 ? "train" : "test")
                    + "\",\"prompt\":\"" + (hard ? "Prove the theorem about integral " + i : "Capital of country " + i)
                    + "?\",\"outcomes\":{\"weak\":{\"score\":" + (hard ? 0 : 1) + "},\"strong\":{\"score\":1}}}");
        }
        Path data = Files.write(dir.resolve("outcomes.jsonl"), rows);
        Path artifact = dir.resolve("offline.bin");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        int exit = RouterCli.run(
                ("train --data " + data + " --weak weak --strong strong --features lexical --epochs 2 --version"
                                + " offline-1 --out " + artifact)
                        .split(" "),
                quiet,
                quiet);
        assertThat(exit).isZero();
        return artifact;
    }
}
