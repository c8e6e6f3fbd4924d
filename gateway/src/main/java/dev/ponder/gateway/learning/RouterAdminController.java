package dev.ponder.gateway.learning;

import dev.ponder.gateway.api.ApiException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The router's model versions for operators: which is active, each one's metrics, and activation of any stored
 * version (a manual promotion or a rollback). Every gateway follows within its reload interval.
 */
@RestController
class RouterAdminController {

    private static final List<String> JSON_COLUMNS =
            List.of("card", "metrics", "curves", "thresholds", "logprob_weights");

    private final RouterModels models;
    private final JsonMapper json;

    RouterAdminController(RouterModels models, JsonMapper json) {
        this.models = models;
        this.json = json;
    }

    @GetMapping("/admin/api/router")
    Map<String, Object> overview() {
        return Map.of(
                "active",
                models.currentVersion(),
                "versions",
                models.versions().stream().map(this::parsed).toList());
    }

    @GetMapping("/admin/api/router/versions/{version}")
    Map<String, Object> version(@PathVariable String version) {
        return models.version(version).map(this::parsed).orElseThrow(() -> unknown(version));
    }

    /** Activates a stored version, or {@code bundled} for the model shipped in the jar. */
    @PostMapping("/admin/api/router/versions/{version}/activate")
    Map<String, Object> activate(@PathVariable String version) {
        if (models.version(version).isEmpty()) {
            throw unknown(version);
        }
        try {
            models.activate(version);
        } catch (IllegalArgumentException e) {
            // Its artifact or model card does not load: nothing changed, and promoting it again will not help.
            throw new ApiException(
                    409,
                    "invalid_request_error",
                    "version",
                    "model_version_unusable",
                    "Router model version '" + version + "' cannot be loaded, so " + models.currentVersion()
                            + " stays active: " + e.getMessage(),
                    null);
        }
        return Map.of("active", models.currentVersion());
    }

    private Map<String, Object> parsed(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>(row);
        JSON_COLUMNS.forEach(c -> out.computeIfPresent(c, (k, v) -> json.readTree((String) v)));
        return out;
    }

    private static ApiException unknown(String version) {
        return new ApiException(
                404,
                "invalid_request_error",
                "version",
                "model_version_not_found",
                "No router model version '" + version + "' is stored; GET /admin/api/router lists them.",
                null);
    }
}
