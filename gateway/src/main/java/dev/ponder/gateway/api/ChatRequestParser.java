package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ContentPart;
import dev.ponder.cascade.ResponseFormat;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.SamplingOptions;
import dev.ponder.cascade.ToolCall;
import dev.ponder.cascade.ToolChoice;
import dev.ponder.cascade.ToolSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an OpenAI chat completion body into the cascade's request, checking every field the way OpenAI does, so
 * that nothing invalid reaches a backend. Each error names the offending field in {@code param}. Unknown fields are
 * ignored, as OpenAI's clients expect of a compatible server.
 */
final class ChatRequestParser {

    /** What OpenAI takes as an image: a web URL, or the image itself as a base64 data URL. */
    private static final Pattern IMAGE_URL = Pattern.compile("(?i)(https?://\\S+|data:image/[a-z0-9.+-]+;base64,\\S+)");

    private final JsonMapper json;

    ChatRequestParser(JsonMapper json) {
        this.json = json;
    }

    ParsedChatRequest parse(JsonNode root) {
        String model = requiredString(root, "model");
        JsonNode messagesNode = root.get("messages");
        if (messagesNode == null || messagesNode.isNull()) {
            throw ApiException.invalid("messages", "Missing required parameter: 'messages'.");
        }
        if (!messagesNode.isArray()) {
            throw ApiException.invalid("messages", "Invalid type for 'messages': expected an array of messages.");
        }
        if (messagesNode.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must contain at least one message.");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < messagesNode.size(); i++) {
            messages.add(message(messagesNode.get(i), "messages[" + i + "]"));
        }
        SamplingOptions options = new SamplingOptions(
                number(root, "temperature", 0, 2),
                number(root, "top_p", 0, 1),
                maxTokens(root),
                stop(root),
                integer(root, "seed", Long.MIN_VALUE, Long.MAX_VALUE),
                intOrNull(integer(root, "n", 1, 128)),
                bool(root, "logprobs"),
                intOrNull(integer(root, "top_logprobs", 0, 20)),
                number(root, "presence_penalty", -2, 2),
                number(root, "frequency_penalty", -2, 2),
                namesMaxCompletionTokens(root));
        ChatRequest request = new ChatRequest(
                messages,
                options,
                tools(root),
                toolChoice(root),
                bool(root, "parallel_tool_calls"),
                responseFormat(root),
                optionalString(root, "user"),
                metadata(root),
                bool(root, "store"),
                serviceTier(root));
        if (options.topLogprobs() != null && !Boolean.TRUE.equals(options.logprobs())) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' is only allowed when 'logprobs' is true.");
        }
        Boolean stream = bool(root, "stream");
        boolean includeUsage = false;
        JsonNode streamOptions = root.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!streamOptions.isObject()) {
                throw ApiException.invalid("stream_options", "Invalid type for 'stream_options': expected an object.");
            }
            if (!Boolean.TRUE.equals(stream)) {
                throw ApiException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true.");
            }
            includeUsage = Boolean.TRUE.equals(bool(streamOptions, "include_usage", "stream_options.include_usage"));
        }
        return new ParsedChatRequest(model, request, Boolean.TRUE.equals(stream), includeUsage);
    }

    JsonNode readObject(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(
                    null,
                    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your"
                            + " HTTP library correctly. The OpenAI API expects a JSON payload.)");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid(null, "The request body must be a JSON object.");
        }
        return root;
    }

    private ChatMessage message(JsonNode node, String path) {
        if (!node.isObject()) {
            throw ApiException.invalid(path, "Invalid type for '" + path + "': expected an object.");
        }
        String roleName = requiredString(node, "role", path + ".role");
        Role role;
        try {
            role = Role.valueOf(roleName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(
                    path + ".role",
                    "Invalid value: '" + roleName
                            + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
        }
        List<ToolCall> toolCalls = role == Role.ASSISTANT ? toolCalls(node.get("tool_calls"), path) : List.of();
        List<ContentPart> content = content(node.get("content"), path + ".content", role, !toolCalls.isEmpty());
        String refusal = role == Role.ASSISTANT ? optionalString(node, "refusal", path + ".refusal") : null;
        if (content.isEmpty() && refusal != null) {
            // What the assistant said, as OpenAI's SDKs hand an earlier answer back: without it, the model would see
            // itself having said nothing.
            content = List.of(new ContentPart.Text(refusal));
        }
        String toolCallId = optionalString(node, "tool_call_id", path + ".tool_call_id");
        if (role == Role.TOOL && (toolCallId == null || toolCallId.isBlank())) {
            throw ApiException.invalid(
                    path + ".tool_call_id", "Missing required parameter: '" + path + ".tool_call_id'.");
        }
        return new ChatMessage(role, content, optionalString(node, "name", path + ".name"), toolCallId, toolCalls);
    }

    private List<ContentPart> content(JsonNode node, String path, Role role, boolean hasToolCalls) {
        if (node == null || node.isNull()) {
            if (role == Role.ASSISTANT) {
                return List.of();
            }
            throw ApiException.invalid(path, "Missing required parameter: '" + path + "'.");
        }
        if (node.isString()) {
            return List.of(new ContentPart.Text(node.stringValue()));
        }
        if (!node.isArray()) {
            throw ApiException.invalid(path, "Invalid type for '" + path + "': expected a string or an array.");
        }
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            parts.add(part(node.get(i), path + "[" + i + "]", role));
        }
        if (parts.isEmpty() && !hasToolCalls) {
            throw ApiException.invalid(path, "'" + path + "' must not be empty.");
        }
        return parts;
    }

    private ContentPart part(JsonNode node, String path, Role role) {
        if (!node.isObject()) {
            throw ApiException.invalid(path, "Invalid type for '" + path + "': expected an object.");
        }
        String type = requiredString(node, "type", path + ".type");
        switch (type) {
            case "text" -> {
                return new ContentPart.Text(requiredString(node, "text", path + ".text"));
            }
            case "image_url" -> {
                if (role != Role.USER) {
                    throw ApiException.invalid(path + ".type", "Image content is only allowed in user messages.");
                }
                JsonNode image = node.get("image_url");
                if (image == null || !image.isObject()) {
                    throw ApiException.invalid(
                            path + ".image_url", "Missing required parameter: '" + path + ".image_url'.");
                }
                String url = requiredString(image, "url", path + ".image_url.url");
                if (!IMAGE_URL.matcher(url).matches()) {
                    throw ApiException.invalid(
                            path + ".image_url.url",
                            "Invalid image URL: expected an http(s) URL or a base64 data:image/... URL.");
                }
                String detail = optionalString(image, "detail", path + ".image_url.detail");
                if (detail != null && !List.of("auto", "low", "high").contains(detail)) {
                    throw ApiException.invalid(
                            path + ".image_url.detail",
                            "Invalid value: '" + detail + "'. Supported values are: 'auto', 'low' and 'high'.");
                }
                return new ContentPart.Image(url, detail);
            }
            case "refusal" -> {
                if (role != Role.ASSISTANT) {
                    throw ApiException.invalid(
                            path + ".type", "Refusal content is only allowed in assistant messages.");
                }
                return new ContentPart.Text(requiredString(node, "refusal", path + ".refusal"));
            }
            default ->
                throw ApiException.invalid(
                        path + ".type",
                        "Invalid value: '" + type + "'. Supported values are: 'text', 'image_url' (user messages) and"
                                + " 'refusal' (assistant messages).");
        }
    }

    private List<ToolCall> toolCalls(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiException.invalid(path + ".tool_calls", "Invalid type for '" + path + ".tool_calls'.");
        }
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String callPath = path + ".tool_calls[" + i + "]";
            JsonNode call = node.get(i);
            JsonNode function = call.get("function");
            if (function == null || !function.isObject()) {
                throw ApiException.invalid(
                        callPath + ".function", "Missing required parameter: '" + callPath + ".function'.");
            }
            calls.add(new ToolCall(
                    requiredString(call, "id", callPath + ".id"),
                    requiredString(function, "name", callPath + ".function.name"),
                    optionalString(function, "arguments", callPath + ".function.arguments")));
        }
        return calls;
    }

    private List<ToolSpec> tools(JsonNode root) {
        JsonNode node = root.get("tools");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiException.invalid("tools", "Invalid type for 'tools': expected an array.");
        }
        List<ToolSpec> tools = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "tools[" + i + "]";
            JsonNode tool = node.get(i);
            if (!tool.isObject() || !"function".equals(tool.path("type").asString(""))) {
                throw ApiException.invalid(
                        path + ".type", "Invalid value for '" + path + ".type': only 'function' tools are supported.");
            }
            JsonNode function = tool.get("function");
            if (function == null || !function.isObject()) {
                throw ApiException.invalid(path + ".function", "Missing required parameter: '" + path + ".function'.");
            }
            String name = requiredString(function, "name", path + ".function.name");
            if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
                throw ApiException.invalid(
                        path + ".function.name",
                        "Invalid 'tools[" + i + "].function.name': '" + name
                                + "'. Expected a string of letters, digits, underscores or dashes, at most 64.");
            }
            JsonNode parameters = function.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                throw ApiException.invalid(
                        path + ".function.parameters", "Invalid type for '" + path + ".function.parameters'.");
            }
            tools.add(new ToolSpec(
                    name,
                    optionalString(function, "description", path + ".function.description"),
                    parameters == null || parameters.isNull() ? null : parameters.toString(),
                    bool(function, "strict", path + ".function.strict")));
        }
        return tools;
    }

    private ToolChoice toolChoice(JsonNode root) {
        JsonNode node = root.get("tool_choice");
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return switch (node.stringValue()) {
                case "auto" -> new ToolChoice(ToolChoice.Mode.AUTO, null);
                case "none" -> new ToolChoice(ToolChoice.Mode.NONE, null);
                case "required" -> new ToolChoice(ToolChoice.Mode.REQUIRED, null);
                default ->
                    throw ApiException.invalid(
                            "tool_choice",
                            "Invalid value: '" + node.stringValue()
                                    + "'. Supported values are: 'none', 'auto' and 'required'.");
            };
        }
        JsonNode function = node.path("function");
        if (!node.isObject() || !"function".equals(node.path("type").asString("")) || !function.isObject()) {
            throw ApiException.invalid(
                    "tool_choice", "Invalid 'tool_choice': expected a string or {\"type\":\"function\",...}.");
        }
        String name = requiredString(function, "name", "tool_choice.function.name");
        if (root.path("tools").isEmpty()) {
            throw ApiException.invalid("tool_choice", "'tool_choice' is only allowed when 'tools' are specified.");
        }
        return new ToolChoice(ToolChoice.Mode.FUNCTION, name);
    }

    private ResponseFormat responseFormat(JsonNode root) {
        JsonNode node = root.get("response_format");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiException.invalid("response_format", "Invalid type for 'response_format': expected an object.");
        }
        String type = requiredString(node, "type", "response_format.type");
        return switch (type) {
            case "text" -> new ResponseFormat(ResponseFormat.Type.TEXT, null, null, null);
            case "json_object" -> new ResponseFormat(ResponseFormat.Type.JSON_OBJECT, null, null, null);
            case "json_schema" -> {
                JsonNode schema = node.get("json_schema");
                if (schema == null || !schema.isObject()) {
                    throw ApiException.invalid(
                            "response_format.json_schema",
                            "Missing required parameter: 'response_format.json_schema'.");
                }
                String name = requiredString(schema, "name", "response_format.json_schema.name");
                if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
                    throw ApiException.invalid(
                            "response_format.json_schema.name",
                            "Invalid 'response_format.json_schema.name': '" + name
                                    + "'. Expected a string of letters, digits, underscores or dashes, at most 64.");
                }
                JsonNode body = schema.get("schema");
                if (body != null && !body.isNull() && !body.isObject()) {
                    throw ApiException.invalid(
                            "response_format.json_schema.schema",
                            "Invalid type for 'response_format.json_schema.schema': expected an object.");
                }
                yield new ResponseFormat(
                        ResponseFormat.Type.JSON_SCHEMA,
                        name,
                        body == null || body.isNull() ? "{}" : body.toString(),
                        bool(schema, "strict", "response_format.json_schema.strict"));
            }
            default ->
                throw ApiException.invalid(
                        "response_format.type",
                        "Invalid value: '" + type
                                + "'. Supported values are: 'text', 'json_object' and 'json_schema'.");
        };
    }

    private Integer maxTokens(JsonNode root) {
        Long completion = integer(root, "max_completion_tokens", 1, Integer.MAX_VALUE);
        Long legacy = integer(root, "max_tokens", 1, Integer.MAX_VALUE);
        return intOrNull(completion != null ? completion : legacy);
    }

    /** Whether the cap that applies is {@code max_completion_tokens}, which then goes upstream under that name. */
    private static boolean namesMaxCompletionTokens(JsonNode root) {
        JsonNode value = root.get("max_completion_tokens");
        return value != null && !value.isNull();
    }

    private List<String> stop(JsonNode root) {
        JsonNode node = root.get("stop");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isString()) {
            return List.of(node.stringValue());
        }
        if (!node.isArray() || node.size() > 4) {
            throw ApiException.invalid("stop", "Invalid 'stop': expected a string or an array of up to 4 strings.");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode s : node) {
            if (!s.isString()) {
                throw ApiException.invalid("stop", "Invalid 'stop': expected a string or an array of up to 4 strings.");
            }
            stops.add(s.stringValue());
        }
        return stops;
    }

    private Map<String, String> metadata(JsonNode root) {
        JsonNode node = root.get("metadata");
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiException.invalid("metadata", "Invalid type for 'metadata': expected an object of strings.");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        int upstream = 0;
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String param = "metadata." + entry.getKey();
            if (!entry.getValue().isString()) {
                throw ApiException.invalid(param, "Invalid type for '" + param + "': expected a string.");
            }
            String value = entry.getValue().stringValue();
            // OpenAI's limits, on the pairs that go upstream: Ponder's own routing keys are taken out before.
            if (!entry.getKey().startsWith(RoutingControls.METADATA_PREFIX)) {
                upstream++;
                if (entry.getKey().length() > 64 || value.length() > 512) {
                    throw ApiException.invalid(
                            param, "Invalid '" + param + "': keys are at most 64 characters and values at most 512.");
                }
            }
            metadata.put(entry.getKey(), value);
        }
        if (upstream > 16) {
            throw ApiException.invalid(
                    "metadata", "Invalid 'metadata': at most 16 key-value pairs, but " + upstream + " were given.");
        }
        return metadata;
    }

    private static final List<String> SERVICE_TIERS = List.of("auto", "default", "flex", "scale", "priority");

    private static String serviceTier(JsonNode root) {
        String tier = optionalString(root, "service_tier");
        if (tier != null && !SERVICE_TIERS.contains(tier)) {
            throw ApiException.invalid(
                    "service_tier",
                    "Invalid value: '" + tier + "'. Supported values are: " + String.join(", ", SERVICE_TIERS) + ".");
        }
        return tier;
    }

    private static String requiredString(JsonNode node, String field) {
        return requiredString(node, field, field);
    }

    private static String requiredString(JsonNode node, String field, String param) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw ApiException.invalid(param, "Missing required parameter: '" + param + "'.");
        }
        if (!value.isString()) {
            throw ApiException.invalid(param, "Invalid type for '" + param + "': expected a string.");
        }
        return value.stringValue();
    }

    private static String optionalString(JsonNode node, String field) {
        return optionalString(node, field, field);
    }

    private static String optionalString(JsonNode node, String field, String param) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw ApiException.invalid(param, "Invalid type for '" + param + "': expected a string.");
        }
        return value.stringValue();
    }

    private static Double number(JsonNode node, String field, double min, double max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw ApiException.invalid(field, "Invalid type for '" + field + "': expected a number.");
        }
        double d = value.doubleValue();
        if (!(d >= min && d <= max)) {
            throw ApiException.invalid(
                    field,
                    "Invalid '" + field + "': " + value + " is not between " + fmt(min) + " and " + fmt(max) + ".");
        }
        return d;
    }

    private static Long integer(JsonNode node, String field, long min, long max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber()) {
            throw ApiException.invalid(field, "Invalid type for '" + field + "': expected an integer.");
        }
        // an integer beyond 64 bits is out of range, not of the wrong type
        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw ApiException.invalid(
                    field, "Invalid '" + field + "': " + value + " is not between " + min + " and " + max + ".");
        }
        return value.longValue();
    }

    private static Boolean bool(JsonNode node, String field) {
        return bool(node, field, field);
    }

    private static Boolean bool(JsonNode node, String field, String param) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw ApiException.invalid(param, "Invalid type for '" + param + "': expected a boolean.");
        }
        return value.booleanValue();
    }

    private static Integer intOrNull(Long value) {
        return value == null ? null : Math.toIntExact(value);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
