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
import java.util.HashMap;
import java.util.Map;

/**
 * One of LangChain4j's quantized BERT sentence encoders ({@link EncoderModel}), run in process directly on ONNX
 * Runtime. MiniLM's bundled tokenizer would silently cut a prompt at 128 word pieces, losing the question at the end of
 * a few-shot prompt (and the others' networks take 512 at most); so the prompt is tokenized without truncation and the
 * network sees one window of its first and last word pieces. Its cost is linear in the window (about 0.1 ms a word
 * piece on one core for MiniLM's 6 layers), which is why the window is a model setting.
 */
final class OnnxEncoder implements SentenceEncoder {
    static final int DIMENSION = 384;
    /** The largest window a model may ask for, [CLS] and [SEP] included: MiniLM's own limit. */
    static final int MAX_TOKENS = 128;
    /** Characters of text to tokenize per word piece wanted at each end of a long prompt: generous (pieces average ~4). */
    private static final int CHARS_PER_PIECE = 12;

    /** The three networks share BERT's uncased vocabulary. */
    private static final long CLS = 101;

    private static final long SEP = 102;

    private final EncoderModel model;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final long[] prefix;
    private final boolean tokenTypes;

    private OnnxEncoder(EncoderModel model, OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer)
            throws OrtException {
        this.model = model;
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.prefix = model.prefix().isEmpty() ? new long[0] : ids(model.prefix());
        this.tokenTypes = session.getInputNames().contains("token_type_ids");
    }

    /** Loads the network (about half a second); one intra-op thread keeps latency steady under concurrent calls. */
    static OnnxEncoder load(EncoderModel model) {
        try (InputStream onnx = resource(model, model.onnx());
                InputStream tokenizer = resource(model, model.tokenizer())) {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            OrtSession session = env.createSession(onnx.readAllBytes(), options);
            return new OnnxEncoder(
                    model,
                    env,
                    session,
                    HuggingFaceTokenizer.newInstance(tokenizer, Map.of("padding", "false", "truncation", "false")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + model.id() + " encoder from the classpath", e);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the " + model.id() + " encoder", e);
        }
    }

    private static InputStream resource(EncoderModel model, String name) throws IOException {
        InputStream in = OnnxEncoder.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the classpath (" + model.artifact() + ")");
        }
        return in;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public float[] embed(String text, int maxTokens) {
        long[] ids = window(prefix, pieces(text, maxTokens), maxTokens);
        long[] shape = {1, ids.length};
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape));
            if (tokenTypes) {
                inputs.put(
                        "token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape));
            }
            try (OrtSession.Result r = session.run(inputs)) {
                return pooled(((OnnxTensor) r.get(0)).getFloatBuffer(), ids.length);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on the " + model.id() + " encoder", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * The word pieces {@link #window} needs. A long prompt is tokenized only near its two ends, cut at whitespace: the
     * tokenizer splits words at whitespace and normalizes character by character, so each end gives exactly the pieces
     * the whole prompt would, and a 300-token prompt skips most of its 0.8 ms of tokenizing. Anything unusual (no
     * whitespace near a cut, too few pieces) tokenizes the whole prompt.
     */
    long[] pieces(String text, int maxTokens) {
        int body = maxTokens - 2 - prefix.length;
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

    /** The pieces of the model's prefix ("query:" for e5), which open every window. */
    long[] prefix() {
        return prefix.clone();
    }

    /**
     * [CLS] + the prefix + the first 30% and the last 70% of the word pieces that fit in {@code maxTokens} + [SEP]: the
     * instruction tends to open a prompt and the question to close it. The prefix counts against the window, so a
     * window's cost is the same for every model.
     */
    static long[] window(long[] prefix, long[] pieces, int maxTokens) {
        if (maxTokens < 3 + prefix.length || maxTokens > MAX_TOKENS) {
            throw new IllegalArgumentException(
                    "window must hold " + (3 + prefix.length) + ".." + MAX_TOKENS + " word pieces, got " + maxTokens);
        }
        int body = Math.min(pieces.length, maxTokens - 2 - prefix.length);
        int head = pieces.length <= body ? body : body * 3 / 10;
        int tail = body - head;
        long[] ids = new long[prefix.length + body + 2];
        ids[0] = CLS;
        System.arraycopy(prefix, 0, ids, 1, prefix.length);
        System.arraycopy(pieces, 0, ids, 1 + prefix.length, head);
        System.arraycopy(pieces, pieces.length - tail, ids, 1 + prefix.length + head, tail);
        ids[ids.length - 1] = SEP;
        return ids;
    }

    /** The model's pooling of the last hidden states ({@code tokens} x 384), L2-normalized. */
    private float[] pooled(FloatBuffer hidden, int tokens) {
        float[] v = new float[DIMENSION];
        int pooled = model.pooling() == EncoderModel.Pooling.CLS ? 1 : tokens;
        for (int t = 0; t < pooled; t++) {
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
