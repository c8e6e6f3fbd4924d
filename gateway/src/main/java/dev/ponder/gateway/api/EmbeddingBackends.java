package dev.ponder.gateway.api;

import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.providers.embedding.EmbeddingBackend;
import dev.ponder.providers.embedding.LangChainEmbeddingBackend;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The embedding backends {@code ponder.embeddings.backends} configures, which a {@code /v1/embeddings} request's
 * {@code model} names by the backend's name or by its model. The key filter reads them too: a key's access and
 * limits apply to a backend by its name, whichever way the request named it.
 */
@Component
public final class EmbeddingBackends {

    /** The one path whose {@code model} names an embedding backend rather than a policy or chat backend. */
    public static final String PATH = "/v1/embeddings";

    private final Map<String, EmbeddingBackend> byName = new LinkedHashMap<>();

    EmbeddingBackends(EmbeddingsProperties properties, Routes routes) {
        properties.backends().forEach((name, spec) -> {
            if (routes.backends().containsKey(name)) {
                // A key's allowed_backends names backends of both kinds by name: one entry would open both.
                throw StartupFailure.configuration(
                        "ponder.embeddings.backends." + name + ": the name '" + name + "' is also a chat backend's"
                                + " (ponder.backends." + name + "), and a key's allowed_backends could not tell them"
                                + " apart; give one of them another name",
                        null);
            }
            byName.put(name, LangChainEmbeddingBackend.create(name, spec));
        });
    }

    /** The backend {@code model} names, by its configured name first, then by the model it asks its server for. */
    public Optional<EmbeddingBackend> resolve(String model) {
        EmbeddingBackend named = byName.get(model);
        if (named != null) {
            return Optional.of(named);
        }
        return byName.values().stream().filter(b -> b.model().equals(model)).findFirst();
    }

    /** The configured names, in configuration order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(byName.keySet());
    }
}
