package dev.ponder.providers.embedding;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.TokenUsage;
import dev.ponder.providers.UpstreamErrors;
import java.time.Clock;
import java.util.List;

/** An embedding server reached through LangChain4j's OpenAI or Ollama embedding model. */
public final class LangChainEmbeddingBackend implements EmbeddingBackend {

    private final String name;
    private final String model;
    private final Price price;
    private final EmbeddingModel embeddings;
    private final UpstreamErrors errors;

    LangChainEmbeddingBackend(
            String name, String model, Price price, EmbeddingModel embeddings, UpstreamErrors errors) {
        this.name = name;
        this.model = model;
        this.price = price;
        this.embeddings = embeddings;
        this.errors = errors;
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
        // the clock only reads a Retry-After date, which nothing here waits on
        return new LangChainEmbeddingBackend(
                name, spec.model(), spec.price(), model, new UpstreamErrors(name, spec.apiKey(), Clock.systemUTC()));
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
    public Price price() {
        return price;
    }

    @Override
    public Embeddings embed(List<String> inputs) {
        Response<List<Embedding>> response;
        try {
            response =
                    embeddings.embedAll(inputs.stream().map(TextSegment::from).toList());
        } catch (RuntimeException e) {
            // as a chat backend's: a refusal keeps the upstream's status, type, message, param and code, keys redacted
            throw errors.map(e);
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
        // As for a chat answer: a server that does not say what it read (Ollama's, through LangChain4j) is counted by
        // the usual estimate, so that a priced backend is never free by omission. Inputs are never empty, so 0 is
        // no count either.
        Integer tokens =
                response.tokenUsage() == null ? null : response.tokenUsage().inputTokenCount();
        return new Embeddings(
                vectors,
                tokens == null || tokens == 0
                        ? inputs.stream().mapToInt(TokenUsage::estimate).sum()
                        : tokens);
    }
}
