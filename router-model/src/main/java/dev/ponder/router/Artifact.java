package dev.ponder.router;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The weights file of a router artifact (gzip of a versioned binary layout). It holds no timestamp, so one seed and
 * one data set always give the same bytes and the same SHA-256; the model card sits beside it as JSON.
 */
record Artifact(
        FeatureSpec promptSpec,
        Standardizer promptLexical,
        DifficultyModel difficulty,
        int answerBits,
        Standardizer answerDense,
        LinearModel answer) {
    static final String MAGIC = "ponder-router";
    /**
     * Format 3 names the encoder, format 4 adds the difficulty model's strong head; a single-head MiniLM (or
     * encoder-less) model is still written as format 2, byte for byte.
     */
    static final int FORMAT = 4;

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeUTF(MAGIC);
            int format = format(promptSpec, difficulty);
            out.writeInt(format);
            out.writeBoolean(promptSpec.lexical());
            out.writeInt(promptSpec.encoderTokens());
            if (format >= 3) {
                out.writeUTF(promptSpec.encoderModel().id());
            }
            out.writeInt(promptSpec.ngramBits());
            write(out, promptLexical);
            write(out, difficulty.weakFailure());
            if (format >= 4) {
                write(out, difficulty.strongFailure());
            }
            out.writeInt(answerBits);
            write(out, answerDense);
            write(out, answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The format these weights are written in: the oldest that can say which encoder and how many heads they need. */
    static int format(FeatureSpec promptSpec, DifficultyModel difficulty) {
        if (difficulty.strongFailure() != null) {
            return 4;
        }
        return promptSpec.encoderModel() == EncoderModel.MINILM ? 2 : 3;
    }

    /** @throws IllegalArgumentException if the bytes are not a router artifact of a known format */
    static Artifact fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(new ByteArrayInputStream(bytes)))) {
            String magic = in.readUTF();
            int format = in.readInt();
            if (!MAGIC.equals(magic) || format < 1 || format > FORMAT) {
                throw new IllegalArgumentException(
                        "not a " + MAGIC + " format 1.." + FORMAT + " artifact (found '" + magic + "' " + format + ")");
            }
            boolean lexicalOn = in.readBoolean();
            // Format 1 had an on/off encoder over a word window; its nearest equivalent is the network's full window.
            int encoderTokens = format == 1 ? (in.readBoolean() ? OnnxEncoder.MAX_TOKENS : 0) : in.readInt();
            EncoderModel encoder = format >= 3 ? EncoderModel.of(in.readUTF()) : EncoderModel.MINILM;
            FeatureSpec spec = new FeatureSpec(lexicalOn, encoder, encoderTokens, in.readInt());
            Standardizer lexical = readStandardizer(in);
            LinearModel weakFailure = readModel(in);
            DifficultyModel difficulty = new DifficultyModel(weakFailure, format >= 4 ? readModel(in) : null);
            int answerBits = in.readInt();
            return new Artifact(spec, lexical, difficulty, answerBits, readStandardizer(in), readModel(in));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a readable router artifact: " + e.getMessage(), e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }

    private static void write(DataOutputStream out, Standardizer s) throws IOException {
        out.writeInt(s.size());
        for (int j = 0; j < s.size(); j++) {
            out.writeDouble(s.mean()[j]);
            out.writeDouble(s.scale()[j]);
        }
    }

    private static void write(DataOutputStream out, LinearModel m) throws IOException {
        out.writeInt(m.weights().length);
        for (float w : m.weights()) {
            out.writeFloat(w);
        }
        out.writeDouble(m.bias());
    }

    private static Standardizer readStandardizer(DataInputStream in) throws IOException {
        int d = in.readInt();
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = in.readDouble();
            scale[j] = in.readDouble();
        }
        return new Standardizer(mean, scale);
    }

    private static LinearModel readModel(DataInputStream in) throws IOException {
        int d = in.readInt();
        float[] w = new float[d];
        for (int j = 0; j < d; j++) {
            w[j] = in.readFloat();
        }
        return new LinearModel(w, in.readDouble());
    }
}
