package dev.ponder.gateway.api;

import dev.ponder.providers.embedding.EmbeddingSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code ponder.embeddings.backends.<name>}: the servers {@code /v1/embeddings} sends to, by name. */
@ConfigurationProperties("ponder.embeddings")
record EmbeddingsProperties(Map<String, EmbeddingSpec> backends) {

    EmbeddingsProperties {
        backends = backends == null ? Map.of() : new LinkedHashMap<>(backends);
    }
}
