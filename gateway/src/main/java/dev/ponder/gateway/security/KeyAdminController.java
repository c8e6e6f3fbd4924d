package dev.ponder.gateway.security;

import dev.ponder.gateway.api.ApiException;
import dev.ponder.gateway.api.EmbeddingBackends;
import dev.ponder.gateway.routing.Routes;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin JSON API for virtual keys: {@code POST /admin/api/keys} creates one and shows the key this once,
 * {@code GET} lists them or shows one with its current usage, {@code DELETE} revokes. Neither a key nor its hash
 * ever leaves here after creation.
 */
@RestController
class KeyAdminController {

    private static final java.security.SecureRandom random = new java.security.SecureRandom();

    private final KeyStore store;
    private final KeyCache cache;
    private final KeyHasher hasher;
    private final UsageMeter meter;
    private final Routes routes;
    private final EmbeddingBackends embeddings;
    private final JsonMapper json;
    private final Clock clock;

    KeyAdminController(
            KeyStore store,
            KeyCache cache,
            KeyHasher hasher,
            UsageMeter meter,
            Routes routes,
            EmbeddingBackends embeddings,
            JsonMapper json,
            Clock clock) {
        this.store = store;
        this.cache = cache;
        this.hasher = hasher;
        this.meter = meter;
        this.routes = routes;
        this.embeddings = embeddings;
        this.json = json;
        this.clock = clock;
    }

    @PostMapping("/admin/api/keys")
    ResponseEntity<Map<String, Object>> create(@RequestBody(required = false) byte[] body) {
        JsonNode root = object(body);
        String secret = KeyHasher.newKey();
        byte[] id = new byte[8];
        random.nextBytes(id);
        Instant now = clock.instant();
        Set<String> backends = new TreeSet<>(routes.backends().keySet());
        backends.addAll(embeddings.names());
        VirtualKey key;
        try {
            key = new VirtualKey(
                    "key_" + HexFormat.of().formatHex(id),
                    hasher.hash(secret),
                    secret.substring(0, 8),
                    text(root, "name"),
                    text(root, "owner"),
                    names(root, "allowed_policies", routes.policies().keySet()),
                    names(root, "allowed_backends", backends),
                    new Limits(
                            positiveInteger(root, "rpm_limit"),
                            positiveInteger(root, "tpm_limit"),
                            budget(root, "daily_budget_usd"),
                            budget(root, "monthly_budget_usd")),
                    contentLogging(root),
                    expiry(root, now),
                    now,
                    null);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
        store.insert(key);
        cache.put(key);
        Map<String, Object> view = view(key);
        view.put("key", secret);
        return ResponseEntity.status(HttpStatus.CREATED).body(view);
    }

    @GetMapping("/admin/api/keys")
    Map<String, Object> list() {
        List<Map<String, Object>> data = store.all().stream().map(this::view).toList();
        return Map.of("object", "list", "data", data);
    }

    @GetMapping("/admin/api/keys/{id}")
    Map<String, Object> show(@PathVariable String id) {
        VirtualKey key = store.find(id).orElseThrow(() -> notFound(id));
        Map<String, Object> view = view(key);
        Map<String, Object> usage = new LinkedHashMap<>();
        meter.usage(key.id())
                .forEach((period, u) -> usage.put(
                        switch (period.charAt(0)) {
                            case 'm' -> "minute";
                            case 'd' -> "day";
                            default -> "month";
                        },
                        Map.of("requests", u.requests(), "tokens", u.tokens(), "cost_usd", u.costUsd())));
        view.put("usage", usage);
        return view;
    }

    @DeleteMapping("/admin/api/keys/{id}")
    Map<String, Object> revoke(@PathVariable String id) {
        Instant now = clock.instant();
        if (!store.revoke(id, now)) {
            throw notFound(id);
        }
        VirtualKey key = store.find(id).orElseThrow(() -> notFound(id));
        cache.put(key);
        return view(key);
    }

    private Map<String, Object> view(VirtualKey key) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", key.id());
        view.put("object", "api_key");
        view.put("key_prefix", key.prefix());
        view.put("name", key.name());
        view.put("owner", key.owner());
        view.put("allowed_policies", new TreeSet<>(key.allowedPolicies()));
        view.put("allowed_backends", new TreeSet<>(key.allowedBackends()));
        view.put("rpm_limit", key.limits().rpm());
        view.put("tpm_limit", key.limits().tpm());
        view.put("daily_budget_usd", key.limits().dailyUsd());
        view.put("monthly_budget_usd", key.limits().monthlyUsd());
        view.put(
                "log_content",
                key.contentLogging() == null ? null : key.contentLogging().wireName());
        view.put("expires_at", text(key.expiresAt()));
        view.put("created_at", text(key.createdAt()));
        view.put("revoked_at", text(key.revokedAt()));
        return view;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }

    private static ApiException notFound(String id) {
        return new ApiException(404, "invalid_request_error", "id", "not_found", "No API key " + id + ".", null);
    }

    private JsonNode object(byte[] body) {
        try {
            JsonNode root = body == null ? null : json.readTree(body);
            if (root != null && root.isObject()) {
                return root;
            }
        } catch (JacksonException e) {
            // answered below, as for any body that is not an object
        }
        throw ApiException.invalid(null, "The request body must be a JSON object.");
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isString() || node.asString().isBlank()) {
            throw ApiException.invalid(field, "'" + field + "' must be a non-empty string.");
        }
        return node.asString().strip();
    }

    private static Set<String> names(JsonNode root, String field, Set<String> known) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return Set.of();
        }
        if (!node.isArray()) {
            throw ApiException.invalid(field, "'" + field + "' must be an array of names.");
        }
        Set<String> names = new TreeSet<>();
        for (JsonNode item : node) {
            if (!item.isString() || !known.contains(item.asString())) {
                throw ApiException.invalid(
                        field, "'" + field + "' names " + item + ", which is not one of " + new TreeSet<>(known) + ".");
            }
            names.add(item.asString());
        }
        return names;
    }

    private static Integer positiveInteger(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
            // The upper bound named too: "must be an integer >= 1 but was 3000000000" would contradict itself.
            throw ApiException.invalid(
                    field,
                    "'" + field + "' must be an integer from 1 to " + Integer.MAX_VALUE + " but was " + node + ".");
        }
        return node.asInt();
    }

    /** A USD budget: a finite number >= 0 (1e400 would read as infinity, a string where a number belongs). */
    private static Double budget(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || !Double.isFinite(node.asDouble()) || node.asDouble() < 0) {
            throw ApiException.invalid(field, "'" + field + "' must be a number >= 0 but was " + node + ".");
        }
        return node.asDouble();
    }

    private static ContentLogging contentLogging(JsonNode root) {
        JsonNode node = root.get("log_content");
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return ContentLogging.parse(node.asString(), "'log_content'");
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("log_content", e.getMessage());
        }
    }

    /** An expiry in the future: a key created already expired could never be used, so it is a mistake. */
    private static Instant expiry(JsonNode root, Instant now) {
        String field = "expires_at";
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        Instant expiry;
        try {
            expiry = Instant.parse(node.asString());
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(
                    field, "'" + field + "' must be an ISO-8601 instant, e.g. 2027-01-31T00:00:00Z.");
        }
        if (!expiry.isAfter(now)) {
            throw ApiException.invalid(
                    field,
                    "'" + field + "' must be in the future (it is now " + now + ") but was " + expiry
                            + ": the key would be expired on creation.");
        }
        return expiry;
    }
}
