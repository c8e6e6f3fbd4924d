package dev.ponder.router;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of scoring one prompt, uncached: the lexical path (lexical descriptors + hashed n-grams) and the encoder
 * path (plus the embedding of a window by each encoder, or MiniLM's of the network's full window), for a 30-token and
 * a 300-token prompt; and a cache hit on the default model. All variants run in one JMH run, so that their ratios hold
 * on a noisy machine. Run:
 * {@code ./mvnw -q -pl router-model test-compile exec:exec@jmh} (sample mode: read the p0.50 lines).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
public class RouterBenchmark {
    @Param({"30", "300"})
    int tokens;

    private String prompt;
    private Standardizer lexical;
    private PromptFeaturizer lexicalFeatures;
    private LinearModel lexicalModel;
    private PromptFeaturizer fullWindowFeatures;
    private LinearModel fullWindowModel;
    private RouterModel defaultModel;

    @Setup
    public void setUp() {
        prompt = prompt(tokens);
        lexical = Standardizer.fit(List.of(LexicalFeatures.of(prompt), LexicalFeatures.of("Hello?")));
        SentenceEncoder encoder = Encoders.of(EncoderModel.MINILM);
        lexicalFeatures = new PromptFeaturizer(new FeatureSpec(true, 0, 16), lexical, () -> encoder);
        lexicalModel = randomModel(lexicalFeatures.dimension());
        fullWindowFeatures =
                new PromptFeaturizer(new FeatureSpec(true, OnnxEncoder.MAX_TOKENS, 16), lexical, () -> encoder);
        fullWindowModel = randomModel(fullWindowFeatures.dimension());
        defaultModel = RouterModel.loadDefault();
        defaultModel.difficulty(prompt);
    }

    @Benchmark
    public double lexical() {
        return lexicalModel.probability(lexicalFeatures.features(prompt));
    }

    /** The encoder path for one encoder and window ({@code encoder:40} is MiniLM's default window). */
    @State(Scope.Benchmark)
    public static class Network {
        @Param({"encoder:40", "encoder:bge:16", "encoder:bge:40", "encoder:e5:16", "encoder:e5:40"})
        String encoder;

        private PromptFeaturizer features;
        private LinearModel model;

        @Setup
        public void setUp(RouterBenchmark b) {
            FeatureSpec spec = FeatureSpec.parse("lexical,ngrams:16," + encoder);
            SentenceEncoder network = Encoders.of(spec.encoderModel());
            features = new PromptFeaturizer(spec, b.lexical, () -> network);
            model = randomModel(features.dimension());
        }
    }

    @Benchmark
    public double encoder(Network n) {
        return n.model.probability(n.features.features(prompt));
    }

    /** The same with the network's whole 128-piece window: what the window size costs. */
    @Benchmark
    public double encoderFullWindow() {
        return fullWindowModel.probability(fullWindowFeatures.features(prompt));
    }

    /** A cache miss on the bundled default model: its own features, whatever they are. */
    @Benchmark
    public double uncachedDefault() {
        return defaultModel.score(prompt);
    }

    @Benchmark
    public double cachedDefault() {
        return defaultModel.difficulty(prompt);
    }

    /** About {@code n} tokens of question-like text ending in a question. */
    static String prompt(int n) {
        String[] words = {
            "the",
            "integral",
            "of",
            "a",
            "function",
            "over",
            "interval",
            "show",
            "that",
            "value",
            "is",
            "bounded",
            "by",
            "constant",
            "when",
            "x",
            "tends",
            "to",
            "infinity",
            "and",
            "why"
        };
        SplittableRandom random = new SplittableRandom(n);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n - 1; i++) {
            s.append(words[random.nextInt(words.length)]).append(i % 17 == 16 ? ". " : " ");
        }
        return s.append("?").toString();
    }

    private static LinearModel randomModel(int dimension) {
        SplittableRandom random = new SplittableRandom(5);
        float[] w = new float[dimension];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * 0.01f;
        }
        return new LinearModel(w, 0.1);
    }
}
