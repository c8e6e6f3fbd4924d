package dev.ponder.providers.embedding;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.ponder.cascade.BackendException;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** An embedding server reached through LangChain4j's OpenAI or Ollama embedding model. */
public final class LangChainEmbeddingBackend implements EmbeddingBackend {

    private final String name;
    private final String model;
    private final EmbeddingModel embeddings;

    LangChainEmbeddingBackend(String name, String model, EmbeddingModel embeddings) {
        this.name = name;
        this.model = model;
        this.embeddings = embeddings;
    }

    /** The backend a spec describes; nothing is called until the first {@link #embed}. */
    public static EmbeddingBackend create(String name, EmbeddingSpec spec) {
        EmbeddingModel model =
                switch (spec.type()) {
                    case "openai" ->
                        OpenAiEmbeddingModel.builder()
                                .baseUrl(spec.baseUrl())
                                // OpenAI-compatible local servers take no key, but the client insists on one.
                                .apiKey(spec.apiKey() == null ? "none" : spec.apiKey())
                                .modelName(spec.model())
                                .timeout(spec.timeout())
                                .maxRetries(0)
                                .build();
                    case "ollama" ->
                        OllamaEmbeddingModel.builder()
                                .baseUrl(spec.baseUrl())
                                .modelName(spec.model())
                                .timeout(spec.timeout())
                                .maxRetries(0)
                                .build();
                    default -> throw new IllegalArgumentException("unknown embedding type " + spec.type());
                };
        return new LangChainEmbeddingBackend(name, spec.model(), model);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public Embeddings embed(List<String> inputs) {
        Response<List<Embedding>> response;
        try {
            response =
                    embeddings.embedAll(inputs.stream().map(TextSegment::from).toList());
        } catch (RuntimeException e) {
            throw failure(e);
        }
        List<float[]> vectors =
                response.content().stream().map(Embedding::vector).toList();
        if (vectors.size() != inputs.size()) {
            throw new BackendException(
                    BackendException.Action.ESCALATE,
                    "embedding backend '" + name + "' returned " + vectors.size() + " vectors for " + inputs.size()
                            + " inputs",
                    502,
                    null,
                    null,
                    null);
        }
        Integer tokens =
                response.tokenUsage() == null ? null : response.tokenUsage().inputTokenCount();
        return new Embeddings(vectors, tokens == null ? 0 : tokens);
    }

    /** A caller's 4xx goes back to the caller; anything else is the backend's failure. */
    private BackendException failure(RuntimeException e) {
        String message = "embedding backend '" + name + "': " + e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpException http) {
                int status = http.statusCode();
                boolean refused = status >= 400 && status < 500 && status != 408 && status != 429;
                return new BackendException(
                        refused ? BackendException.Action.GIVE_UP : BackendException.Action.ESCALATE,
                        message,
                        status,
                        refused ? "invalid_request_error" : null,
                        null,
                        e);
            }
            if (t instanceof HttpTimeoutException || t instanceof TimeoutException) {
                return BackendException.timeout(message, e);
            }
        }
        return BackendException.escalate(message, e);
    }
}
