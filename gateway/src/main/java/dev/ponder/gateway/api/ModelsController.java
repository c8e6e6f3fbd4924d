package dev.ponder.gateway.api;

import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.SecurityAttributes;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models}: what a client may put in {@code model}, for completions and for embeddings. */
@RestController
class ModelsController {

    private final Routes routes;
    private final List<String> embeddingModels;
    private final long created;

    ModelsController(Routes routes, EmbeddingBackends embeddings, java.time.Clock clock) {
        this.routes = routes;
        this.embeddingModels = List.copyOf(embeddings.names());
        this.created = clock.instant().getEpochSecond();
    }

    /** With a key, only the models it may use: the rest would answer 404 {@code model_not_found}. */
    @GetMapping("/v1/models")
    @SuppressWarnings("unchecked")
    Map<String, Object> models(HttpServletRequest request) {
        Predicate<String> access = (Predicate<String>) request.getAttribute(SecurityAttributes.MODEL_ACCESS);
        List<Map<String, Object>> data = java.util.stream.Stream.concat(
                        routes.modelIds().stream(), embeddingModels.stream())
                .filter(id -> access == null || access.test(id))
                .map(id ->
                        Map.<String, Object>of("id", id, "object", "model", "created", created, "owned_by", "ponder"))
                .toList();
        return Map.of("object", "list", "data", data);
    }
}
