package dev.ponder.gateway.api;

import dev.ponder.cascade.BackendException;
import dev.ponder.gateway.security.SecurityAttributes;
import dev.ponder.providers.embedding.EmbeddingBackend;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/embeddings}: sends the input to the embedding backend {@code model} names (by its configured name
 * or its model), with no cascade, and answers in OpenAI's format, as floats or base64.
 */
@RestController
class EmbeddingsController {

    private static final int MAX_INPUTS = 2048;

    private final ChatRequestParser parser;
    private final EmbeddingBackends backends;

    EmbeddingsController(JsonMapper json, EmbeddingBackends backends) {
        this.parser = new ChatRequestParser(json);
        this.backends = backends;
    }

    @PostMapping(EmbeddingBackends.PATH)
    ResponseEntity<Map<String, Object>> embed(HttpServletRequest request) throws IOException {
        // the key filter parsed the body already, when it ran
        JsonNode root = JsonBodies.object(request, parser);
        JsonNode modelNode = root.get("model");
        if (modelNode == null || !modelNode.isString()) {
            throw ApiException.invalid("model", "Missing required parameter: 'model' (a string).");
        }
        String model = modelNode.stringValue();
        List<String> inputs = inputs(root.get("input"));
        boolean base64 = base64(root.get("encoding_format"));
        if (root.hasNonNull("dimensions")) {
            throw ApiException.invalid("dimensions", "'dimensions' is not supported by Ponder's embedding backends.");
        }
        EmbeddingBackend backend = backend(model, request);
        EmbeddingBackend.Embeddings result;
        try {
            result = backend.embed(inputs);
        } catch (BackendException e) {
            throw ErrorResponses.fromBackend(e);
        }
        // one count (the server's, or the adapter's estimate) for the key's charge, the cost header and the usage
        int tokens = result.inputTokens();
        if (request.getAttribute(SecurityAttributes.EMBEDDING_TOKENS) instanceof IntConsumer charge) {
            charge.accept(tokens);
        }
        List<Map<String, Object>> data = new ArrayList<>();
        for (int i = 0; i < result.vectors().size(); i++) {
            float[] vector = result.vectors().get(i);
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("object", "embedding");
            item.put("index", i);
            item.put("embedding", base64 ? base64(vector) : vector);
            data.add(item);
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("object", "list");
        response.put("data", data);
        response.put("model", backend.model());
        response.put("usage", Map.of("prompt_tokens", tokens, "total_tokens", tokens));
        return ResponseEntity.ok()
                .header("x-ponder-backend", backend.name())
                .header(
                        CascadeCalls.COST_HEADER,
                        CascadeCalls.usd(backend.price().cost(tokens, 0)))
                .body(response);
    }

    /** The backend {@code model} names; the 404 lists only the backends the request's key may use. */
    @SuppressWarnings("unchecked")
    private EmbeddingBackend backend(String model, HttpServletRequest request) {
        Predicate<String> access = (Predicate<String>) request.getAttribute(SecurityAttributes.MODEL_ACCESS);
        return backends.resolve(model)
                .orElseThrow(() -> new ApiException(
                        404,
                        "invalid_request_error",
                        "model",
                        "model_not_found",
                        "The embedding model '" + model + "' does not exist. Embedding backends are "
                                + backends.names().stream()
                                        .filter(name -> access == null || access.test(name))
                                        .toList()
                                + " (ponder.embeddings.backends).",
                        null));
    }

    private static List<String> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw ApiException.invalid("input", "Missing required parameter: 'input'.");
        }
        List<String> inputs = new ArrayList<>();
        if (input.isString()) {
            inputs.add(input.stringValue());
        } else if (input.isArray() && !input.isEmpty() && input.size() <= MAX_INPUTS) {
            for (JsonNode item : input) {
                if (!item.isString()) {
                    throw ApiException.invalid(
                            "input", "Invalid 'input': expected strings; token arrays are not supported by Ponder.");
                }
                inputs.add(item.stringValue());
            }
        } else {
            throw ApiException.invalid(
                    "input", "Invalid 'input': expected a string or an array of 1 to " + MAX_INPUTS + " strings.");
        }
        if (inputs.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid("input", "Invalid 'input': an input must not be empty.");
        }
        return inputs;
    }

    private static boolean base64(JsonNode format) {
        if (format == null
                || format.isNull()
                || (format.isString() && format.stringValue().equals("float"))) {
            return false;
        }
        if (format.isString() && format.stringValue().equals("base64")) {
            return true;
        }
        throw ApiException.invalid(
                "encoding_format", "Invalid 'encoding_format': supported values are 'float' and 'base64'.");
    }

    /** OpenAI's base64 encoding: the vector's float32 values, little-endian. */
    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            bytes.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
