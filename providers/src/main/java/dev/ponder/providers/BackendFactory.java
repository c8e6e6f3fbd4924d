package dev.ponder.providers;

import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaChatRequestParameters;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.Capabilities;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Builds a {@link ModelBackend} from its configuration. Types: {@code openai} (any OpenAI-compatible base URL),
 * {@code ollama}, and {@code replay} (recorded answers from a dataset file). Replay datasets are loaded once per
 * location and shared by every backend this factory makes.
 */
public final class BackendFactory {

    private final Clock clock;
    private final ConcurrentMap<String, ReplayDataset> datasets = new ConcurrentHashMap<>();

    public BackendFactory(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param name the backend's configured name (its key under {@code ponder.backends})
     * @throws IllegalArgumentException for an unknown type or a configuration the type cannot use
     */
    public ModelBackend create(String name, BackendSpec spec) {
        Objects.requireNonNull(spec, "spec");
        String type = spec.type().strip().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "replay" -> replay(name, spec);
            case "openai" -> openAi(name, spec);
            case "ollama" -> ollama(name, spec);
            default ->
                throw new IllegalArgumentException(
                        "backend '" + name + "' has unknown type '" + spec.type() + "' (use openai, ollama or replay)");
        };
    }

    private ModelBackend replay(String name, BackendSpec spec) {
        if (spec.dataset() == null) {
            throw new IllegalArgumentException("replay backend '" + name + "' needs a dataset");
        }
        String location = spec.dataset().toString();
        ReplayDataset dataset = datasets.computeIfAbsent(location, ReplayDataset::load);
        if (!dataset.models().contains(spec.model())) {
            throw new IllegalArgumentException("replay backend '" + name + "': " + location + " has no model '"
                    + spec.model() + "'; it has " + dataset.models());
        }
        return new ReplayBackend(info(name, "replay", spec, Capabilities.TEXT_ONLY), dataset, spec.replay());
    }

    private ModelBackend openAi(String name, BackendSpec spec) {
        String baseUrl = baseUrl(spec, "https://api.openai.com/v1");
        var chat = OpenAiChatModel.builder()
                .httpClientBuilder(httpClient(spec))
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .maxRetries(0)
                .build();
        var streaming = OpenAiStreamingChatModel.builder()
                .httpClientBuilder(httpClient(spec))
                .baseUrl(baseUrl)
                .apiKey(spec.apiKey())
                .modelName(spec.model())
                .build();
        return new LangChainBackend(
                info(name, "openai", spec, new Capabilities(true, true, true, 128_000)),
                chat,
                streaming,
                request -> dev.langchain4j.model.chat.request.ChatRequest.builder()
                        .messages(LangChainMapping.messages(request.messages()))
                        .parameters(openAiParameters(request, spec.model()))
                        .build(),
                errors(name, spec),
                spec.timeouts());
    }

    private static OpenAiChatRequestParameters openAiParameters(ChatRequest request, String model) {
        var options = request.options();
        var raw = LangChainMapping.openAiPassthrough(request);
        return LangChainMapping.common(OpenAiChatRequestParameters.builder(), request, model)
                .seed(options.seed() == null ? null : Math.toIntExact(options.seed()))
                .logprobs(options.logprobs())
                .topLogprobs(options.topLogprobs())
                .parallelToolCalls(request.parallelToolCalls())
                .user(request.user())
                .customParameters(raw.isEmpty() ? null : raw)
                .build();
    }

    private ModelBackend ollama(String name, BackendSpec spec) {
        String baseUrl = baseUrl(spec, "http://localhost:11434");
        var chat = OllamaChatModel.builder()
                .httpClientBuilder(httpClient(spec))
                .baseUrl(baseUrl)
                .modelName(spec.model())
                .maxRetries(0)
                .build();
        var streaming = OllamaStreamingChatModel.builder()
                .httpClientBuilder(httpClient(spec))
                .baseUrl(baseUrl)
                .modelName(spec.model())
                .build();
        return new LangChainBackend(
                info(name, "ollama", spec, new Capabilities(false, true, false, 8192)),
                chat,
                streaming,
                request -> dev.langchain4j.model.chat.request.ChatRequest.builder()
                        .messages(LangChainMapping.messages(request.messages()))
                        .parameters(LangChainMapping.tools(
                                        LangChainMapping.common(
                                                OllamaChatRequestParameters.builder(), request, spec.model()),
                                        request)
                                .seed(
                                        request.options().seed() == null
                                                ? null
                                                : Math.toIntExact(
                                                        request.options().seed()))
                                .build())
                        .build(),
                errors(name, spec),
                spec.timeouts());
    }

    private static BackendInfo info(String name, String type, BackendSpec spec, Capabilities defaults) {
        return new BackendInfo(
                name, type, spec.model(), spec.capabilities() == null ? defaults : spec.capabilities(), spec.price());
    }

    private static String baseUrl(BackendSpec spec, String fallback) {
        return spec.baseUrl() == null || spec.baseUrl().isBlank() ? fallback : spec.baseUrl();
    }

    /** Connect timeout on the socket; the total timeout bounds the wait for a response's headers. */
    private static UpstreamHttpClient.Builder httpClient(BackendSpec spec) {
        return UpstreamHttpClient.builder()
                .connectTimeout(spec.timeouts().connect())
                .readTimeout(spec.timeouts().total());
    }

    private UpstreamErrors errors(String name, BackendSpec spec) {
        return new UpstreamErrors(name, spec.apiKey(), clock);
    }
}
