package dev.ponder.providers.embedding;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.Price;
import java.util.List;

/**
 * A server that turns texts into vectors. Calls block; failures are {@link BackendException}s grouped, as for chat
 * backends, by what the caller should do.
 */
public interface EmbeddingBackend {

    /** The configured name, which a request's {@code model} names. */
    String name();

    /** The model the server is asked for. */
    String model();

    /** USD per 1M input tokens (an embedding writes none), for a key's budget. */
    Price price();

    /** One vector per input, in input order. */
    Embeddings embed(List<String> inputs);

    /**
     * The vectors of one call and the input tokens it used: as the server counted them, or estimated at about four
     * characters a token when it does not say.
     */
    record Embeddings(List<float[]> vectors, int inputTokens) {
        public Embeddings {
            vectors = List.copyOf(vectors);
            if (inputTokens < 0) {
                throw new IllegalArgumentException("inputTokens must be >= 0 but was " + inputTokens);
            }
        }
    }
}
