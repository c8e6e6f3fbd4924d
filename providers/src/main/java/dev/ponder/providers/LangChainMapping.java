package dev.ponder.providers;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.internal.JsonSchemaElementJsonUtils;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.LogProb;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ContentPart;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.ResponseFormat;
import dev.ponder.cascade.TokenLogprob;
import dev.ponder.cascade.TokenUsage;
import dev.ponder.cascade.ToolCall;
import dev.ponder.cascade.ToolChoice;
import dev.ponder.cascade.ToolSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/** Translates between the cascade's OpenAI-shaped request and answer and LangChain4j's types. */
final class LangChainMapping {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

    private LangChainMapping() {}

    static List<dev.langchain4j.data.message.ChatMessage> messages(List<ChatMessage> messages) {
        List<dev.langchain4j.data.message.ChatMessage> out = new ArrayList<>(messages.size());
        // OpenAI's tool results carry only the call's id; Gemini and Anthropic want the tool's name too.
        Map<String, String> toolNames = new HashMap<>();
        for (ChatMessage message : messages) {
            message.toolCalls().forEach(call -> toolNames.put(call.id(), call.name()));
            out.add(
                    switch (message.role()) {
                        case SYSTEM, DEVELOPER -> SystemMessage.from(message.text());
                        case USER -> UserMessage.from(message.name(), contents(message.content()));
                        case ASSISTANT -> assistant(message);
                        case TOOL ->
                            ToolExecutionResultMessage.from(
                                    message.toolCallId(),
                                    message.name() != null
                                            ? message.name()
                                            : toolNames.getOrDefault(message.toolCallId(), ""),
                                    message.text());
                    });
        }
        return out;
    }

    private static List<Content> contents(List<ContentPart> parts) {
        List<Content> out = new ArrayList<>(parts.size());
        for (ContentPart part : parts) {
            out.add(
                    switch (part) {
                        case ContentPart.Text text -> TextContent.from(text.text());
                        case ContentPart.Image image -> image(image);
                    });
        }
        if (out.isEmpty()) {
            out.add(TextContent.from(""));
        }
        return out;
    }

    private static ImageContent image(ContentPart.Image image) {
        ImageContent.DetailLevel detail = image.detail() == null
                ? ImageContent.DetailLevel.AUTO
                : ImageContent.DetailLevel.valueOf(image.detail().toUpperCase(java.util.Locale.ROOT));
        String url = image.url();
        int marker = url.indexOf(";base64,");
        if (url.startsWith("data:") && marker > 0) {
            // data:<mime>;base64,<data>: providers that take no URLs (Ollama, Anthropic) need the bytes.
            String mime = url.substring("data:".length(), marker);
            return ImageContent.from(url.substring(marker + ";base64,".length()), mime, detail);
        }
        return ImageContent.from(url, detail);
    }

    private static AiMessage assistant(ChatMessage message) {
        List<ToolExecutionRequest> calls = message.toolCalls().stream()
                .map(call -> ToolExecutionRequest.builder()
                        .id(call.id())
                        .name(call.name())
                        .arguments(call.argumentsJson())
                        .build())
                .toList();
        String text = message.text();
        if (calls.isEmpty()) {
            return AiMessage.from(text);
        }
        return text.isEmpty() ? AiMessage.from(calls) : AiMessage.from(text, calls);
    }

    /**
     * The sampling knobs every provider understands, set on a provider's parameters builder; the output cap is the
     * client's, else the backend's {@code default-max-tokens} (may be null: no cap).
     */
    static <B extends DefaultChatRequestParameters.Builder<B>> B common(
            B builder, ChatRequest request, BackendSpec spec) {
        var options = request.options();
        return builder.modelName(spec.model())
                .temperature(options.temperature())
                .topP(options.topP())
                .maxOutputTokens(options.maxTokens() != null ? options.maxTokens() : spec.defaultMaxTokens())
                .stopSequences(options.stop().isEmpty() ? null : options.stop())
                .presencePenalty(options.presencePenalty())
                .frequencyPenalty(options.frequencyPenalty());
    }

    /** Tools, tool choice and response format in LangChain4j's own types, for providers without raw passthrough. */
    static <B extends DefaultChatRequestParameters.Builder<B>> B tools(B builder, ChatRequest request) {
        if (!request.tools().isEmpty()) {
            builder.toolSpecifications(request.tools().stream()
                    .map(LangChainMapping::toolSpecification)
                    .toList());
            ToolChoice choice = request.toolChoice();
            if (choice != null) {
                builder.toolChoice(
                        switch (choice.mode()) {
                            case AUTO -> dev.langchain4j.model.chat.request.ToolChoice.AUTO;
                            case NONE -> dev.langchain4j.model.chat.request.ToolChoice.NONE;
                            case REQUIRED, FUNCTION -> dev.langchain4j.model.chat.request.ToolChoice.REQUIRED;
                        });
            }
        }
        ResponseFormat format = request.responseFormat();
        if (format != null && format.type() != ResponseFormat.Type.TEXT) {
            builder.responseFormat(dev.langchain4j.model.chat.request.ResponseFormat.builder()
                    .type(ResponseFormatType.JSON)
                    .jsonSchema(
                            format.type() == ResponseFormat.Type.JSON_SCHEMA
                                    ? JsonSchema.builder()
                                            .name(format.schemaName() == null ? "response" : format.schemaName())
                                            .rootElement(schema(format.schemaJson()))
                                            .build()
                                    : null)
                    .build());
        }
        return builder;
    }

    /**
     * OpenAI's own JSON for tools, tool_choice, response_format and seed, sent verbatim: nothing is lost on the way
     * (LangChain4j's typed seed is an int; OpenAI's is 64-bit).
     */
    static Map<String, Object> openAiPassthrough(ChatRequest request) {
        Map<String, Object> raw = new LinkedHashMap<>();
        if (request.options().seed() != null) {
            raw.put("seed", request.options().seed());
        }
        if (!request.tools().isEmpty()) {
            List<Map<String, Object>> tools = new ArrayList<>();
            for (ToolSpec tool : request.tools()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", tool.name());
                if (tool.description() != null) {
                    function.put("description", tool.description());
                }
                if (tool.parametersJson() != null) {
                    function.put("parameters", parse(tool.parametersJson()));
                }
                if (tool.strict() != null) {
                    function.put("strict", tool.strict());
                }
                tools.add(Map.of("type", "function", "function", function));
            }
            raw.put("tools", tools);
        }
        ToolChoice choice = request.toolChoice();
        if (choice != null) {
            raw.put(
                    "tool_choice",
                    choice.mode() == ToolChoice.Mode.FUNCTION
                            ? Map.of("type", "function", "function", Map.of("name", choice.functionName()))
                            : choice.mode().name().toLowerCase(java.util.Locale.ROOT));
        }
        ResponseFormat format = request.responseFormat();
        if (format != null) {
            Map<String, Object> rf = new LinkedHashMap<>();
            rf.put("type", format.type().name().toLowerCase(java.util.Locale.ROOT));
            if (format.type() == ResponseFormat.Type.JSON_SCHEMA) {
                Map<String, Object> schema = new LinkedHashMap<>();
                schema.put("name", format.schemaName() == null ? "response" : format.schemaName());
                schema.put("schema", parse(format.schemaJson()));
                if (format.strict() != null) {
                    schema.put("strict", format.strict());
                }
                rf.put("json_schema", schema);
            }
            raw.put("response_format", rf);
        }
        return raw;
    }

    static ToolSpecification toolSpecification(ToolSpec tool) {
        return ToolSpecification.builder()
                .name(tool.name())
                .description(tool.description())
                .parameters(tool.parametersJson() == null ? null : objectSchema(tool.parametersJson()))
                .build();
    }

    /**
     * A JSON Schema object as LangChain4j's tool parameters. Each property is converted on its own, so keywords
     * LangChain4j has no type for survive as raw schema instead of failing the whole tool.
     */
    @SuppressWarnings("unchecked")
    static JsonObjectSchema objectSchema(String schemaJson) {
        Map<String, Object> schema = parse(schemaJson);
        JsonObjectSchema.Builder builder = JsonObjectSchema.builder();
        if (schema.get("description") instanceof String description) {
            builder.description(description);
        }
        if (schema.get("properties") instanceof Map<?, ?> properties) {
            properties.forEach((name, property) -> builder.addProperty(
                    (String) name, JsonSchemaElementJsonUtils.fromMap((Map<String, Object>) property)));
        }
        if (schema.get("required") instanceof List<?> required) {
            builder.required(required.stream().map(String::valueOf).toList());
        }
        if (schema.get("additionalProperties") instanceof Boolean additional) {
            builder.additionalProperties(additional);
        }
        return builder.build();
    }

    private static JsonSchemaElement schema(String schemaJson) {
        return JsonSchemaElementJsonUtils.fromMap(parse(schemaJson));
    }

    private static Map<String, Object> parse(String json) {
        return JSON.readValue(json, OBJECT);
    }

    /** The answer, with the model's {@code refusal} (null or empty for none), which LangChain4j's streams drop. */
    static ChatAnswer answer(
            ChatResponse response, String refusal, ChatRequest request, String fallbackModel, Price price) {
        AiMessage message = response.aiMessage();
        List<ToolCall> calls = message.hasToolExecutionRequests()
                ? message.toolExecutionRequests().stream()
                        .map(r -> new ToolCall(r.id(), r.name(), r.arguments()))
                        .toList()
                : List.of();
        String text = message.text();
        TokenUsage usage = usage(
                response.tokenUsage(), request, Objects.toString(text, "") + Objects.toString(refusal, ""), calls);
        String model = response.modelName() == null ? fallbackModel : response.modelName();
        return new ChatAnswer(
                model,
                text,
                calls,
                finishReason(response.finishReason(), calls),
                usage,
                logprobs(response),
                price.cost(usage),
                refusal);
    }

    /**
     * An OpenAI answer whose message is a {@code refusal}, which LangChain4j throws as an exception carrying the
     * refusal alone: its model and usage are read from the raw {@code body} (estimated when it has none), since the
     * upstream bills the refusal's tokens.
     */
    static ChatAnswer refusal(byte[] body, String refusal, ChatRequest request, String fallbackModel, Price price) {
        // LangChain4j has read the body already; without one (its call ran elsewhere), the usage is estimated.
        JsonNode answer = body == null ? MissingNode.getInstance() : JSON.readTree(body);
        JsonNode counted = answer.path("usage");
        TokenUsage usage = usage(
                new dev.langchain4j.model.output.TokenUsage(
                        counted.path("prompt_tokens").isInt()
                                ? counted.path("prompt_tokens").asInt()
                                : null,
                        counted.path("completion_tokens").isInt()
                                ? counted.path("completion_tokens").asInt()
                                : null),
                request,
                refusal,
                List.of());
        return new ChatAnswer(
                answer.path("model").isString() ? answer.path("model").asString() : fallbackModel,
                "",
                List.of(),
                dev.ponder.cascade.FinishReason.STOP,
                usage,
                List.of(),
                price.cost(usage),
                refusal);
    }

    /**
     * The piece of refusal in one OpenAI stream chunk ({@code choices[0].delta.refusal}), which LangChain4j's
     * stream drops; null for a chunk without one, or for another protocol's event.
     */
    static String chunkRefusal(String eventData) {
        // Most chunks are content: they are not parsed a second time.
        if (eventData == null || !eventData.startsWith("{") || !eventData.contains("\"refusal\"")) {
            return null;
        }
        try {
            JsonNode refusal = JSON.readTree(eventData)
                    .path("choices")
                    .path(0)
                    .path("delta")
                    .path("refusal");
            return refusal.isString() ? refusal.asString() : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    /**
     * The tokens the upstream counted; a count it left out (llama.cpp and vLLM streams without
     * {@code stream_options}, servers that refuse that option, some proxies) is estimated from the messages and the
     * answer, since the backend charges for them and a key's budget must see them.
     */
    static TokenUsage usage(
            dev.langchain4j.model.output.TokenUsage counted, ChatRequest request, String text, List<ToolCall> calls) {
        Integer input = counted == null ? null : counted.inputTokenCount();
        Integer output = counted == null ? null : counted.outputTokenCount();
        if (input != null && output != null) {
            return new TokenUsage(input, output);
        }
        int answerCharacters = (text == null ? 0 : text.length())
                + calls.stream()
                        .mapToInt(call ->
                                call.name().length() + call.argumentsJson().length())
                        .sum();
        TokenUsage estimate = TokenUsage.estimated(request, answerCharacters);
        return new TokenUsage(
                input == null ? estimate.inputTokens() : input, output == null ? estimate.outputTokens() : output);
    }

    private static dev.ponder.cascade.FinishReason finishReason(FinishReason reason, List<ToolCall> calls) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case LENGTH -> dev.ponder.cascade.FinishReason.LENGTH;
            case CONTENT_FILTER -> dev.ponder.cascade.FinishReason.CONTENT_FILTER;
            case TOOL_EXECUTION -> dev.ponder.cascade.FinishReason.TOOL_CALLS;
            default ->
                calls.isEmpty() ? dev.ponder.cascade.FinishReason.STOP : dev.ponder.cascade.FinishReason.TOOL_CALLS;
        };
    }

    private static List<TokenLogprob> logprobs(ChatResponse response) {
        if (!(response.metadata() instanceof OpenAiChatResponseMetadata openAi) || openAi.logProbs() == null) {
            return List.of();
        }
        return tokenLogprobs(openAi.logProbs());
    }

    /**
     * The token logprobs of one OpenAI stream chunk ({@code choices[0].logprobs.content}); empty for a chunk without
     * them, or for another protocol's event.
     */
    static List<TokenLogprob> chunkLogprobs(String eventData) {
        if (eventData == null || !eventData.startsWith("{")) {
            return List.of();
        }
        try {
            return tokenLogprobs(JSON.readTree(eventData)
                    .path("choices")
                    .path(0)
                    .path("logprobs")
                    .path("content"));
        } catch (JacksonException e) {
            return List.of();
        }
    }

    private static List<TokenLogprob> tokenLogprobs(JsonNode logprobs) {
        List<TokenLogprob> out = new ArrayList<>();
        for (JsonNode p : logprobs) {
            if (p.path("token").isString() && p.path("logprob").isNumber()) {
                out.add(new TokenLogprob(
                        p.path("token").asString(),
                        Math.min(0, p.path("logprob").asDouble()),
                        tokenLogprobs(p.path("top_logprobs"))));
            }
        }
        return out;
    }

    private static List<TokenLogprob> tokenLogprobs(List<LogProb> logprobs) {
        if (logprobs == null) {
            return List.of();
        }
        // Rounding can put a near-certain token a hair above zero; a probability is never above 1.
        return logprobs.stream()
                .filter(p -> p.token() != null && p.logprob() != null)
                .map(p -> new TokenLogprob(p.token(), Math.min(0, p.logprob()), tokenLogprobs(p.topLogprobs())))
                .toList();
    }
}
