package dev.ponder.gateway.api;

import dev.ponder.gateway.routing.Routes;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models}: what a client may put in {@code model}, for completions and for embeddings. */
@RestController
class ModelsController {

    private final Routes routes;
    private final List<String> embeddingModels;
    private final long created;

    ModelsController(Routes routes, EmbeddingsProperties embeddings, java.time.Clock clock) {
        this.routes = routes;
        this.embeddingModels = List.copyOf(embeddings.backends().keySet());
        this.created = clock.instant().getEpochSecond();
    }

    @GetMapping("/v1/models")
    Map<String, Object> models() {
        List<Map<String, Object>> data = java.util.stream.Stream.concat(
                        routes.modelIds().stream(), embeddingModels.stream())
                .map(id ->
                        Map.<String, Object>of("id", id, "object", "model", "created", created, "owned_by", "ponder"))
                .toList();
        return Map.of("object", "list", "data", data);
    }
}
