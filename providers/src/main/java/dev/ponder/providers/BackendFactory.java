package dev.ponder.providers;

import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicChatRequestParameters;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.googleai.GoogleAiGeminiChatModel;
import dev.langchain4j.model.googleai.GoogleAiGeminiChatRequestParameters;
import dev.langchain4j.model.googleai.GoogleAiGeminiStreamingChatModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaChatRequestParameters;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.openai.internal.OpenAiJsonSettings;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.Capabilities;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.ResponseFormat;
import dev.ponder.cascade.ToolChoice;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Builds a backend from its configuration, guarded by Resilience4j ({@link GuardedBackend}). Types:
 *
 * <ul>
 *   <li>{@code openai}: any OpenAI-compatible base URL (vLLM, llama.cpp, LM Studio too); tools, tool_choice and
 *       response_format pass through verbatim; token logprobs with top alternatives;
 *   <li>{@code ollama}: Ollama's native API;
 *   <li>{@code anthropic}: the Messages API;
 *   <li>{@code gemini}: Google AI's Gemini API;
 *   <li>{@code replay}: recorded answers from a dataset file, loaded once per location and shared by every
 *       backend this factory makes.
 * </ul>
 */
public final class BackendFactory {

    private static final Capabilities OPENAI = new Capabilities(true, true, true, 128_000);
    private static final Capabilities OLLAMA = new Capabilities(false, true, false, 8_192);
    private static final Capabilities ANTHROPIC = new Capabilities(true, true, false, 200_000);
    private static final Capabilities GEMINI = new Capabilities(true, true, false, 1_000_000);

    static {
        // Before any OpenAI model exists: compact requests, pooled Jackson buffers.
        OpenAiJsonSettings.apply();
    }

    private final Clock clock;
    private final ConcurrentMap<String, ReplayDataset> datasets = new ConcurrentHashMap<>();

    public BackendFactory(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param name the backend's configured name (its key under {@code ponder.backends})
     * @throws IllegalArgumentException for an unknown type or a configuration the type cannot use
     */
    public GuardedBackend create(String name, BackendSpec spec) {
        Objects.requireNonNull(spec, "spec");
        String type = spec.type().strip().toLowerCase(Locale.ROOT);
        UpstreamErrors errors = new UpstreamErrors(name, spec.apiKey(), clock);
        return switch (type) {
            case "replay" -> guard(replay(name, spec), spec, errors, () -> {});
            case "openai" -> openAi(name, spec, errors);
            case "ollama" -> ollama(name, spec, errors);
            case "anthropic" -> anthropic(name, spec, errors);
            case "gemini" -> gemini(name, spec, errors);
            default ->
                throw new IllegalArgumentException("backend '" + name + "' has unknown type '" + spec.type() + "' (use "
                        + BackendSpec.TYPES + ")");
        };
    }

    private ModelBackend replay(String name, BackendSpec spec) {
        if (spec.dataset() == null) {
            throw new IllegalArgumentException("replay backend '" + name + "' needs a dataset");
        }
        String location = spec.dataset();
        ReplayDataset dataset = datasets.computeIfAbsent(location, ReplayDataset::load);
        if (!dataset.models().contains(spec.model())) {
            throw new IllegalArgumentException("replay backend '" + name + "': " + location + " has no model '"
                    + spec.model() + "'; it has " + dataset.models());
        }
        return new ReplayBackend(info(name, "replay", spec, Capabilities.TEXT_ONLY), dataset, spec.replay());
    }

    private GuardedBackend openAi(String name, BackendSpec spec, UpstreamErrors errors) {
        String baseUrl = baseUrl(spec, "https://api.openai.com/v1");
        UpstreamHttpClient.Builder http = httpClient(spec);
        ChatModel chat = OpenAiChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .maxRetries(0)
                .build();
        StreamingChatModel streaming = OpenAiStreamingChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .build();
        return langChain(
                info(name, "openai", spec, OPENAI),
                chat,
                streaming,
                request -> openAiParameters(request, spec),
                spec,
                errors,
                new HttpHealthProbe(
                        URI.create(baseUrl + "/models"),
                        spec.apiKey() == null ? Map.of() : Map.of("Authorization", "Bearer " + spec.apiKey()),
                        spec.timeouts()));
    }

    private static ChatRequestParameters openAiParameters(ChatRequest request, BackendSpec spec) {
        var options = request.options();
        var raw = LangChainMapping.openAiPassthrough(request);
        var builder = LangChainMapping.common(OpenAiChatRequestParameters.builder(), request, spec);
        if (options.maxTokensAsCompletionTokens()) {
            // under the name the client used: reasoning models refuse max_tokens, older servers may not know this one
            builder.maxOutputTokens(null).maxCompletionTokens(options.maxTokens());
        }
        return builder.logprobs(options.logprobs())
                .topLogprobs(options.topLogprobs())
                .parallelToolCalls(request.parallelToolCalls())
                .user(request.user())
                .metadata(request.metadata().isEmpty() ? null : request.metadata())
                .store(request.store())
                .serviceTier(request.serviceTier())
                .customParameters(raw.isEmpty() ? null : raw)
                .build();
    }

    private GuardedBackend ollama(String name, BackendSpec spec, UpstreamErrors errors) {
        String baseUrl = baseUrl(spec, "http://localhost:11434");
        UpstreamHttpClient.Builder http = httpClient(spec);
        ChatModel chat = OllamaChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .modelName(spec.model())
                .maxRetries(0)
                .build();
        StreamingChatModel streaming = OllamaStreamingChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .modelName(spec.model())
                .build();
        return langChain(
                info(name, "ollama", spec, OLLAMA),
                chat,
                streaming,
                request -> ollamaParameters(request, spec, errors),
                spec,
                errors,
                new HttpHealthProbe(URI.create(baseUrl + "/api/tags"), Map.of(), spec.timeouts()));
    }

    private static ChatRequestParameters ollamaParameters(
            ChatRequest request, BackendSpec spec, UpstreamErrors errors) {
        var parameters = LangChainMapping.tools(
                        LangChainMapping.common(OllamaChatRequestParameters.builder(), request, spec), request)
                .seed(seed(request))
                // LangChain4j's Ollama client has no place for them and would refuse the whole request.
                .presencePenalty(null)
                .frequencyPenalty(null);
        ToolChoice choice = request.toolChoice();
        if (choice != null && !request.tools().isEmpty()) {
            switch (choice.mode()) {
                // Ollama has no tool_choice: a model offered no tools calls none.
                case NONE -> parameters.toolSpecifications(List.of()).toolChoice(null);
                case REQUIRED, FUNCTION ->
                    throw errors.unsupported(
                            "tool_choice", "Ollama cannot be made to call a tool, as this tool_choice asks");
                default -> {
                    // auto: what Ollama does anyway
                }
            }
        }
        return parameters.build();
    }

    private GuardedBackend anthropic(String name, BackendSpec spec, UpstreamErrors errors) {
        String baseUrl = baseUrl(spec, "https://api.anthropic.com/v1");
        UpstreamHttpClient.Builder http = httpClient(spec);
        ChatModel chat = AnthropicChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .maxRetries(0)
                .build();
        StreamingChatModel streaming = AnthropicStreamingChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .build();
        return langChain(
                info(name, "anthropic", spec, ANTHROPIC),
                chat,
                streaming,
                request -> {
                    if (request.responseFormat() != null
                            && request.responseFormat().type() == ResponseFormat.Type.JSON_OBJECT) {
                        throw errors.unsupported(
                                "response_format", "Anthropic has no JSON mode without a schema (json_schema works)");
                    }
                    var parameters = LangChainMapping.tools(
                                    LangChainMapping.common(AnthropicChatRequestParameters.builder(), request, spec),
                                    request)
                            .userId(request.user())
                            // The Messages API has none (Anthropic's own OpenAI layer ignores them too).
                            .presencePenalty(null)
                            .frequencyPenalty(null);
                    ToolChoice choice = request.toolChoice();
                    if (choice != null
                            && choice.mode() == ToolChoice.Mode.FUNCTION
                            && !request.tools().isEmpty()) {
                        parameters.toolChoiceName(choice.functionName());
                    }
                    if (Boolean.FALSE.equals(request.parallelToolCalls())
                            && !request.tools().isEmpty()) {
                        parameters.disableParallelToolUse(true);
                    }
                    return parameters.build();
                },
                spec,
                errors,
                new HttpHealthProbe(
                        URI.create(baseUrl + "/models"),
                        spec.apiKey() == null
                                ? Map.of("anthropic-version", "2023-06-01")
                                : Map.of("x-api-key", spec.apiKey(), "anthropic-version", "2023-06-01"),
                        spec.timeouts()));
    }

    private GuardedBackend gemini(String name, BackendSpec spec, UpstreamErrors errors) {
        String baseUrl = baseUrl(spec, "https://generativelanguage.googleapis.com/v1beta");
        UpstreamHttpClient.Builder http = httpClient(spec);
        ChatModel chat = GoogleAiGeminiChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .maxRetries(0)
                .build();
        StreamingChatModel streaming = GoogleAiGeminiStreamingChatModel.builder()
                .httpClientBuilder(http)
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .build();
        return langChain(
                info(name, "gemini", spec, GEMINI),
                chat,
                streaming,
                request -> LangChainMapping.tools(
                                LangChainMapping.common(GoogleAiGeminiChatRequestParameters.builder(), request, spec),
                                request)
                        .build(),
                spec,
                errors,
                new HttpHealthProbe(
                        URI.create(baseUrl + "/models"),
                        spec.apiKey() == null ? Map.of() : Map.of("x-goog-api-key", spec.apiKey()),
                        spec.timeouts()));
    }

    private GuardedBackend langChain(
            BackendInfo info,
            ChatModel chat,
            StreamingChatModel streaming,
            Function<ChatRequest, ChatRequestParameters> parameters,
            BackendSpec spec,
            UpstreamErrors errors,
            GuardedBackend.HealthProbe probe) {
        ModelBackend backend = new LangChainBackend(
                info,
                chat,
                streaming,
                request -> dev.langchain4j.model.chat.request.ChatRequest.builder()
                        .messages(LangChainMapping.messages(request.messages()))
                        .parameters(parameters.apply(request))
                        .build(),
                errors,
                spec.timeouts());
        return guard(backend, spec, errors, probe);
    }

    private GuardedBackend guard(
            ModelBackend backend, BackendSpec spec, UpstreamErrors errors, GuardedBackend.HealthProbe probe) {
        return new GuardedBackend(backend, spec.resilience(), errors, probe, clock);
    }

    /** Ollama's seed is 32-bit and OpenAI's 64: a wider seed is folded, so it still fixes the sampling. */
    private static Integer seed(ChatRequest request) {
        Long seed = request.options().seed();
        if (seed == null) {
            return null;
        }
        return seed == seed.intValue() ? seed.intValue() : (int) (seed ^ (seed >>> 32));
    }

    private static BackendInfo info(String name, String type, BackendSpec spec, Capabilities defaults) {
        return new BackendInfo(
                name,
                type,
                spec.model(),
                spec.capabilities() == null ? defaults : spec.capabilities(),
                spec.price(),
                spec.defaultMaxTokens());
    }

    private static String baseUrl(BackendSpec spec, String fallback) {
        String url = spec.baseUrl() == null || spec.baseUrl().isBlank() ? fallback : spec.baseUrl();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /**
     * Connect timeout on the socket; the total timeout bounds any silence of the upstream and a non-streamed call as
     * a whole; as many connections as the bulkhead lets calls run. One per backend: its chat and streaming models
     * share the client it builds.
     */
    private static UpstreamHttpClient.Builder httpClient(BackendSpec spec) {
        return new UpstreamHttpClient.Builder(
                spec.timeouts().connect(),
                spec.timeouts().total(),
                spec.resilience().maxConcurrentCalls());
    }
}
