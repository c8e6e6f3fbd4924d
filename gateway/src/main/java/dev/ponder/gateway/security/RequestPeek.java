package dev.ponder.gateway.security;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What enforcement needs from a chat completion body before the controller reads it: the model, and the sizes that
 * bound its tokens. A body that does not parse gives a null model; the controller then answers 400 as usual.
 *
 * @param inputTokens an upper estimate: a token has about four bytes of English, and the JSON around the text only
 *     adds bytes, so a third of the body's bytes leaves room
 * @param maxOutputTokens the request's {@code max_completion_tokens} or {@code max_tokens}, or the default
 */
record RequestPeek(String model, long inputTokens, long maxOutputTokens) {

    static RequestPeek of(JsonMapper json, byte[] body, int defaultMaxOutputTokens) {
        long input = body.length / 3 + 1;
        try {
            JsonNode root = json.readTree(body);
            if (root == null || !root.isObject()) {
                return new RequestPeek(null, input, defaultMaxOutputTokens);
            }
            JsonNode model = root.get("model");
            long max = positive(root.get("max_completion_tokens"), positive(root.get("max_tokens"), 0));
            return new RequestPeek(
                    model != null && model.isString() ? model.asString() : null,
                    input,
                    max > 0 ? max : defaultMaxOutputTokens);
        } catch (JacksonException e) {
            return new RequestPeek(null, input, defaultMaxOutputTokens);
        }
    }

    private static long positive(JsonNode node, long fallback) {
        return node != null && node.isIntegralNumber() && node.asLong() > 0 ? node.asLong() : fallback;
    }
}
