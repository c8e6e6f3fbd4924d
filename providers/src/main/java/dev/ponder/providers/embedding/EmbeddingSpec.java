package dev.ponder.providers.embedding;

import dev.ponder.cascade.Price;
import dev.ponder.providers.BackendSpec;
import java.time.Duration;
import java.util.Set;

/**
 * How to reach one embedding server: {@code openai} (any OpenAI-compatible {@code /embeddings}) or {@code ollama}.
 *
 * @param price USD per 1M input tokens, in the shape of a chat backend's {@code price}; free when absent. An
 *     embedding writes no tokens, so an output price would never be charged: it is refused rather than ignored
 * @param timeout how long one call may take; 60 s when absent
 */
public record EmbeddingSpec(String type, String baseUrl, String apiKey, String model, Price price, Duration timeout) {

    static final Set<String> TYPES = Set.of("openai", "ollama");

    public EmbeddingSpec {
        if (type == null || !TYPES.contains(type)) {
            throw new IllegalArgumentException("embedding type must be one of " + TYPES + " but was " + type);
        }
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("an embedding backend needs a base-url");
        }
        BackendSpec.requireHttpUrl(baseUrl);
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("an embedding backend needs a model");
        }
        price = price == null ? Price.FREE : price;
        if (price.output() != 0) {
            throw new IllegalArgumentException("an embedding backend is priced by its input tokens only (price.input);"
                    + " price.output must be absent but was " + price.output());
        }
        timeout = timeout == null ? Duration.ofSeconds(60) : timeout;
    }

    /** Never the API key: specs end up in logs and error messages. */
    @Override
    public String toString() {
        return "EmbeddingSpec[type=" + type + ", baseUrl=" + baseUrl + ", model=" + model + ", price=" + price + "]";
    }
}
