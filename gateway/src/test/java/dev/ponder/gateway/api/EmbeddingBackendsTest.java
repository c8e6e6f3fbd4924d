package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.providers.embedding.EmbeddingSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingBackendsTest {

    private static final StreamOnlyBackend LARGE = new StreamOnlyBackend("large", (request, onDelta) -> null);
    private static final Routes ROUTES = new Routes(
            Map.of("large", LARGE),
            Map.of(
                    "default",
                    new CascadePolicy("default", List.of(new Tier("large", LARGE)), List.of(), Budget.UNLIMITED)),
            "default");

    @Test
    void anEmbeddingBackendNamedAsAChatBackendIsRefusedAtStart() {
        assertThatThrownBy(() -> new EmbeddingBackends(properties("large"), ROUTES))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.embeddings.backends.large: the name 'large' is also a chat backend's"
                        + " (ponder.backends.large), and a key's allowed_backends could not tell them apart; give one"
                        + " of them another name");
    }

    @Test
    void embeddingBackendsWithNamesOfTheirOwnAreResolvedByName() {
        EmbeddingBackends backends = new EmbeddingBackends(properties("embed"), ROUTES);

        assertThat(backends.names()).containsExactly("embed");
        assertThat(backends.resolve("embed")).isPresent();
        assertThat(backends.resolve("large")).isEmpty();
    }

    private static EmbeddingsProperties properties(String name) {
        return new EmbeddingsProperties(Map.of(
                name,
                new EmbeddingSpec("openai", "http://127.0.0.1:9/v1", null, "text-embedding-3-small", null, null)));
    }
}
