package dev.ponder.gateway.security;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What enforcement needs from a chat completion body before the controller reads it: the model, and the sizes that
 * bound its tokens. A body that does not parse gives a null model; the controller then answers 400 as usual.
 *
 * @param inputTokens an upper estimate: a token has about four bytes of English, and the JSON around the text only
 *     adds bytes, so a third of the body's bytes leaves room
 * @param maxOutputTokens the request's {@code max_completion_tokens} or {@code max_tokens}; null when it sets none
 * @param body the body parsed, when it is a JSON object; the controller reads it instead of parsing the bytes again
 */
record RequestPeek(String model, long inputTokens, Long maxOutputTokens, ObjectNode body) {

    static RequestPeek of(JsonMapper json, byte[] body) {
        long input = body.length / 3 + 1;
        try {
            if (!(json.readTree(body) instanceof ObjectNode root)) {
                return new RequestPeek(null, input, null, null);
            }
            JsonNode model = root.get("model");
            long max = positive(root.get("max_completion_tokens"), positive(root.get("max_tokens"), 0));
            return new RequestPeek(
                    model != null && model.isString() ? model.asString() : null, input, max > 0 ? max : null, root);
        } catch (JacksonException e) {
            return new RequestPeek(null, input, null, null);
        }
    }

    private static long positive(JsonNode node, long fallback) {
        return node != null && node.isIntegralNumber() && node.asLong() > 0 ? node.asLong() : fallback;
    }
}
