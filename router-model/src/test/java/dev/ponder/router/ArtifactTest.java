package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ArtifactTest {
    private static final Standardizer LEXICAL = new Standardizer(new double[LexicalFeatures.SIZE], ones());
    private static final int HEADER = 2 + Artifact.MAGIC.length() + 4 + 1; // UTF string, format, lexical flag

    private static Artifact artifact(int encoderTokens) {
        return artifact(EncoderModel.MINILM, encoderTokens);
    }

    private static Artifact artifact(EncoderModel encoder, int encoderTokens) {
        int dimension = LexicalFeatures.SIZE + (encoderTokens > 0 ? OnnxEncoder.DIMENSION : 0);
        Standardizer answerDense = new Standardizer(new double[] {0}, new double[] {1});
        return new Artifact(
                new FeatureSpec(true, encoder, encoderTokens, 0),
                LEXICAL,
                new DifficultyModel(new LinearModel(new float[dimension], 0.5), null),
                0,
                answerDense,
                new LinearModel(new float[] {1}, 0));
    }

    private static double[] ones() {
        double[] s = new double[LexicalFeatures.SIZE];
        java.util.Arrays.fill(s, 1);
        return s;
    }

    /** The same weights in the layout of format 1: the encoder was a flag, not a window size. */
    private static byte[] asFormat1(Artifact a) throws IOException {
        byte[] v2 = new GZIPInputStream(new ByteArrayInputStream(a.toBytes())).readAllBytes();
        ByteBuffer v1 = ByteBuffer.allocate(v2.length - 3);
        v1.put(v2, 0, HEADER - 5).putInt(1).put(v2[HEADER - 1]);
        v1.put((byte) (a.promptSpec().encoder() ? 1 : 0));
        v1.put(v2, HEADER + 4, v2.length - HEADER - 4);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(v1.array());
        }
        return out.toByteArray();
    }

    @Test
    void theEncoderWindowSurvivesARoundTrip() {
        assertThat(Artifact.fromBytes(artifact(40).toBytes()).promptSpec()).isEqualTo(new FeatureSpec(true, 40, 0));
    }

    @Test
    void anotherEncoderIsNamedInFormat3AndMiniLmStaysFormat2() throws IOException {
        Artifact bge = artifact(EncoderModel.BGE, 20);

        assertThat(Artifact.fromBytes(bge.toBytes()).promptSpec())
                .isEqualTo(new FeatureSpec(true, EncoderModel.BGE, 20, 0));
        assertThat(formatOf(bge)).isEqualTo(3);
        assertThat(formatOf(artifact(40))).isEqualTo(2);
        assertThat(formatOf(artifact(0))).isEqualTo(2);
    }

    @Test
    void aStrongHeadMakesFormat4AndSurvivesARoundTrip() throws IOException {
        Artifact one = artifact(EncoderModel.BGE, 20);
        float[] w = new float[one.difficulty().dimension()];
        w[3] = 0.25f;
        Artifact two = new Artifact(
                one.promptSpec(),
                one.promptLexical(),
                new DifficultyModel(one.difficulty().weakFailure(), new LinearModel(w, -1)),
                one.answerBits(),
                one.answerDense(),
                one.answer());

        Artifact back = Artifact.fromBytes(two.toBytes());

        assertThat(formatOf(two)).isEqualTo(4);
        assertThat(back.promptSpec()).isEqualTo(two.promptSpec());
        assertThat(back.difficulty().strongFailure().weights()).containsExactly(w);
        assertThat(back.difficulty().strongFailure().bias()).isEqualTo(-1);
        assertThat(back.answer().weights()).containsExactly(1f);
    }

    @Test
    void theBundledDefaultIsWrittenBackToItsOwnBytes() throws IOException {
        byte[] bundled;
        try (InputStream in = RouterModel.class.getResourceAsStream(RouterModel.DEFAULT_RESOURCE + ".bin")) {
            bundled = in.readAllBytes();
        }

        assertThat(Artifact.fromBytes(bundled).toBytes()).isEqualTo(bundled);
    }

    private static int formatOf(Artifact a) throws IOException {
        byte[] raw = new GZIPInputStream(new ByteArrayInputStream(a.toBytes())).readAllBytes();
        return ByteBuffer.wrap(raw).getInt(HEADER - 5);
    }

    @Test
    void format1ArtifactsStillLoadWithTheNetworksFullWindow() throws IOException {
        assertThat(Artifact.fromBytes(asFormat1(artifact(OnnxEncoder.MAX_TOKENS)))
                        .promptSpec())
                .isEqualTo(new FeatureSpec(true, OnnxEncoder.MAX_TOKENS, 0));
        assertThat(Artifact.fromBytes(asFormat1(artifact(0))).promptSpec()).isEqualTo(new FeatureSpec(true, 0, 0));
    }

    @Test
    void anUnknownFormatIsRejected() throws IOException {
        byte[] v2 = new GZIPInputStream(new ByteArrayInputStream(artifact(0).toBytes())).readAllBytes();
        ByteBuffer.wrap(v2).putInt(HEADER - 5, Artifact.FORMAT + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(v2);
        }

        assertThatThrownBy(() -> Artifact.fromBytes(out.toByteArray()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format 1.." + Artifact.FORMAT);
    }
}
