package dev.ponder.gateway.console;

import dev.ponder.cascade.Budget;
import dev.ponder.gateway.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A console edit of a policy's thresholds and budgets; a null field keeps the current value, and an unlimited budget
 * is {@link Budget#UNLIMITED}'s value. {@code version} is the policy's {@code version} as the editor saw it: when
 * given, the edit applies only to that version.
 */
record PolicyEdit(List<Double> thresholds, Integer maxEscalations, Double maxCostUsd, Long deadlineMs, String version) {

    // The policy view's names; the camel-case ones are what the console sent before, still accepted.
    private static final Map<String, String> FIELDS = Map.of(
            "thresholds", "thresholds",
            "max_escalations", "max_escalations",
            "maxEscalations", "max_escalations",
            "max_cost_usd", "max_cost_usd",
            "maxCostUsd", "max_cost_usd",
            "deadline_ms", "deadline_ms",
            "deadlineMs", "deadline_ms",
            "version", "version");

    /**
     * Reads an edit from its JSON body. A field it does not know is refused rather than ignored, so that a misspelt
     * budget is not answered as if it had been applied.
     */
    static PolicyEdit from(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(null, "The request body must be a JSON object.");
        }
        for (String name : body.propertyNames()) {
            if (!FIELDS.containsKey(name)) {
                throw ApiException.invalid(
                        name,
                        "'" + name + "' is not a field of a policy edit: send thresholds, max_escalations,"
                                + " max_cost_usd, deadline_ms or version.");
            }
        }
        return new PolicyEdit(
                thresholds(field(body, "thresholds")),
                // A budget sent as null is lifted, as the view shows an unlimited one; left out, it is kept.
                cleared(body, "max_escalations")
                        ? Integer.valueOf(Budget.UNLIMITED.maxEscalations())
                        : maxEscalations(field(body, "max_escalations")),
                cleared(body, "max_cost_usd")
                        ? Double.valueOf(Budget.UNLIMITED.maxCostUsd())
                        : maxCostUsd(field(body, "max_cost_usd")),
                deadlineMs(field(body, "deadline_ms")),
                version(field(body, "version")));
    }

    /** The field under either of its names; null when absent or JSON null. */
    private static JsonNode field(JsonNode body, String name) {
        for (Map.Entry<String, String> alias : FIELDS.entrySet()) {
            JsonNode node = body.get(alias.getKey());
            if (alias.getValue().equals(name) && node != null && !node.isNull()) {
                return node;
            }
        }
        return null;
    }

    /** Whether the field is there under either of its names as JSON null. */
    private static boolean cleared(JsonNode body, String name) {
        return FIELDS.entrySet().stream()
                .anyMatch(alias -> alias.getValue().equals(name)
                        && body.has(alias.getKey())
                        && body.get(alias.getKey()).isNull());
    }

    private static List<Double> thresholds(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isArray()) {
            throw ApiException.invalid("thresholds", "'thresholds' must be an array of numbers but was " + node + ".");
        }
        List<Double> thresholds = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isNumber() || !Double.isFinite(item.asDouble())) {
                throw ApiException.invalid(
                        "thresholds", "'thresholds' must be an array of numbers but holds " + item + ".");
            }
            thresholds.add(item.asDouble());
        }
        return thresholds;
    }

    private static Integer maxEscalations(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 0) {
            throw ApiException.invalid(
                    "max_escalations", "'max_escalations' must be a whole number >= 0 but was " + node + ".");
        }
        return node.asInt();
    }

    private static Double maxCostUsd(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isNumber() || !Double.isFinite(node.asDouble()) || node.asDouble() < 0) {
            throw ApiException.invalid("max_cost_usd", "'max_cost_usd' must be a number >= 0 but was " + node + ".");
        }
        return node.asDouble();
    }

    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private static Long deadlineMs(JsonNode node) {
        if (node == null) {
            return null;
        }
        // Capped where JavaScript's numbers stop being exact, so that the console can send back what it was shown.
        if (!node.isIntegralNumber()
                || !node.canConvertToLong()
                || node.asLong() <= 0
                || node.asLong() > MAX_SAFE_INTEGER) {
            throw ApiException.invalid(
                    "deadline_ms",
                    "'deadline_ms' must be a whole number from 1 to " + MAX_SAFE_INTEGER + " but was " + node + ".");
        }
        return node.asLong();
    }

    private static String version(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isString()) {
            throw ApiException.invalid("version", "'version' must be a string but was " + node + ".");
        }
        return node.asString();
    }
}
