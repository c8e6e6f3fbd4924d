package dev.ponder.gateway.api;

import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.SecurityAttributes;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: what a client may put in {@code model}, for completions and
 * for embeddings.
 */
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

    @GetMapping("/v1/models")
    Map<String, Object> models(HttpServletRequest request) {
        return Map.of(
                "object", "list", "data", visible(request).map(this::model).toList());
    }

    /**
     * One model, as the SDKs' {@code models().retrieve(id)} asks. The id runs to the end of the path, so that
     * {@code ponder/<policy>} is one too.
     */
    @GetMapping("/v1/models/{*id}")
    Map<String, Object> model(@PathVariable String id, HttpServletRequest request) {
        String model = id.substring(1);
        return visible(request)
                .filter(model::equals)
                .findFirst()
                .map(this::model)
                .orElseThrow(() -> request.getAttribute(SecurityAttributes.MODEL_ACCESS) == null
                        ? ApiException.modelNotFound(model)
                        : ApiException.modelNotAllowed(model));
    }

    /** With a key, only the models it may use: the rest would answer 404 {@code model_not_found}. */
    @SuppressWarnings("unchecked")
    private Stream<String> visible(HttpServletRequest request) {
        Predicate<String> access = (Predicate<String>) request.getAttribute(SecurityAttributes.MODEL_ACCESS);
        return Stream.concat(routes.modelIds().stream(), embeddingModels.stream())
                .filter(id -> access == null || access.test(id));
    }

    private Map<String, Object> model(String id) {
        return Map.of("id", id, "object", "model", "created", created, "owned_by", "ponder");
    }
}
