package dev.ponder.router;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The difficulty classifier: for a prompt, the probability that the cheap tier's answer is not good enough (or, for a
 * two-head model, the expected gain of the strong tier's; see {@link #difficulty}). Loaded
 * from an artifact (weights file {@code NAME.bin} plus model card {@code NAME.card.json}); immutable and thread-safe.
 * Scores are cached by the prompt's SHA-256. If the model uses the sentence encoder, the encoder is loaded once, on
 * first use.
 */
public final class RouterModel {
    static final String DEFAULT_RESOURCE = "/dev/ponder/router/default";
    private static final int CACHE_SIZE = 10_000;

    private final PromptFeaturizer featurizer;
    private final DifficultyModel difficulty;
    private final AnswerScorer answerScorer;
    private final FeatureSpec features;
    private final String version;
    private final String checksum;
    private final String card;
    private final Cache<PromptKey, Double> cache =
            Caffeine.newBuilder().maximumSize(CACHE_SIZE).build();

    private record PromptKey(long high, long low) {}

    private RouterModel(
            Artifact a,
            String version,
            String checksum,
            String card,
            Function<EncoderModel, SentenceEncoder> encoders) {
        EncoderModel encoder = a.promptSpec().encoderModel();
        this.featurizer = new PromptFeaturizer(a.promptSpec(), a.promptLexical(), () -> encoders.apply(encoder));
        if (a.difficulty().dimension() != featurizer.dimension()) {
            throw new IllegalArgumentException("difficulty model has "
                    + a.difficulty().dimension() + " weights, its features need " + featurizer.dimension());
        }
        this.difficulty = a.difficulty();
        this.answerScorer = new AnswerScorer(new AnswerFeaturizer(a.answerDense(), a.answerBits()), a.answer());
        this.features = a.promptSpec();
        this.version = version;
        this.checksum = checksum;
        this.card = card;
    }

    /** The artifact bundled in this jar (trained by {@code train} on the shared outcome data). */
    public static RouterModel loadDefault() {
        return DefaultHolder.MODEL;
    }

    private static final class DefaultHolder {
        static final RouterModel MODEL = loadResource();

        private static RouterModel loadResource() {
            try (InputStream bin = RouterModel.class.getResourceAsStream(DEFAULT_RESOURCE + ".bin");
                    InputStream card = RouterModel.class.getResourceAsStream(DEFAULT_RESOURCE + ".card.json")) {
                if (bin == null || card == null) {
                    throw new IllegalStateException("the default router artifact is missing from the jar");
                }
                return fromBytes(bin.readAllBytes(), new String(card.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the default router artifact", e);
            }
        }
    }

    /**
     * Loads {@code NAME.bin} and its model card {@code NAME.card.json} (required: it holds the version and the
     * checksum the weights must match).
     *
     * @throws IllegalArgumentException if the files are missing, malformed or do not match
     */
    public static RouterModel load(Path artifact) {
        Path card = cardPath(artifact);
        try {
            return fromBytes(Files.readAllBytes(artifact), Files.readString(card));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read router artifact " + artifact + " and " + card + ": " + e, e);
        }
    }

    /** {@code x/NAME.bin} -> {@code x/NAME.card.json}. */
    public static Path cardPath(Path artifact) {
        String name = artifact.getFileName().toString();
        String base = name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name;
        return artifact.resolveSibling(base + ".card.json");
    }

    /**
     * @throws IllegalArgumentException also when the model's encoder network is not on the classpath: refused on load,
     *     not on its first prompt (the gateway ships MiniLM only)
     */
    static RouterModel fromBytes(byte[] bin, String cardJson) {
        RouterModel model = fromBytes(bin, cardJson, Encoders::of);
        if (model.features().encoder()) {
            model.features().encoderModel().requireOnClasspath("model " + model.version());
        }
        return model;
    }

    /** {@code encoders} gives the encoder network the artifact's features name (asked on first use only). */
    static RouterModel fromBytes(byte[] bin, String cardJson, Function<EncoderModel, SentenceEncoder> encoders) {
        String sha = Artifact.sha256(bin);
        JsonNode card;
        try {
            card = JsonMapper.shared().readTree(cardJson);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the model card is not JSON: " + e.getOriginalMessage(), e);
        }
        String expected = card.path("sha256").asString("");
        if (!expected.equals(sha)) {
            throw new IllegalArgumentException(
                    "artifact checksum " + sha + " does not match its model card's sha256 '" + expected + "'");
        }
        return new RouterModel(
                Artifact.fromBytes(bin), card.path("version").asString("unversioned"), sha, cardJson, encoders);
    }

    /**
     * In [0,1], higher = more reason to call the strong tier: the probability that the cheap tier's answer to {@code
     * prompt} is not good enough, or for a model trained with {@code --label gain}, (1 + that - the probability that
     * the strong tier's is not) / 2.
     */
    public double difficulty(String prompt) {
        return cache.get(key(prompt), k -> score(prompt));
    }

    /** The uncached score (what the cache stores). */
    double score(String prompt) {
        return difficulty.score(featurizer.features(prompt));
    }

    public AnswerScorer answerScorer() {
        return answerScorer;
    }

    public String version() {
        return version;
    }

    /** SHA-256 (hex) of the weights file. */
    public String checksum() {
        return checksum;
    }

    /** The model card (JSON): data, features, held-out metrics, attribution. */
    public String modelCard() {
        return card;
    }

    public FeatureSpec features() {
        return features;
    }

    private static PromptKey key(String prompt) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(prompt.getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.wrap(d);
            return new PromptKey(b.getLong(), b.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }
}
