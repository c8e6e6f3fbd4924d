package dev.ponder.providers.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.Price;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI and Ollama embedding adapters against a local server speaking both wire protocols: each input's vector
 * is {@code [length, index]}, so that order and content can be checked; an input "refuse" gets a 400, and an input
 * "uncounted" an answer without usage.
 */
class LangChainEmbeddingBackendTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/embeddings", exchange -> answer(exchange, true));
        server.createContext("/api/embed", exchange -> answer(exchange, false));
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void answer(HttpExchange exchange, boolean openAi) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            received.add(request);
            List<String> inputs =
                    request.path("input").valueStream().map(JsonNode::asString).toList();
            if (inputs.contains("refuse")) {
                send(exchange, 400, """
                        {"error": {"message": "input refused for key sk-secret", "type": "invalid_request_error",
                                   "param": "input", "code": "invalid_input"}}""");
                return;
            }
            ObjectNode body =
                    JSON.createObjectNode().put("model", request.path("model").asString());
            ArrayNode vectors = openAi ? body.putArray("data") : body.putArray("embeddings");
            for (int i = 0; i < inputs.size(); i++) {
                ArrayNode vector = openAi
                        ? vectors.addObject()
                                .put("object", "embedding")
                                .put("index", i)
                                .putArray("embedding")
                        : vectors.addArray();
                vector.add((double) inputs.get(i).length()).add((double) i);
            }
            boolean counted = !inputs.contains("uncounted"); // else no usage at all, as some servers answer
            if (openAi) {
                body.put("object", "list");
                if (counted) {
                    body.putObject("usage").put("prompt_tokens", 7).put("total_tokens", 7);
                }
            } else if (counted) {
                body.put("prompt_eval_count", 7);
            }
            send(exchange, 200, body.toString());
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static EmbeddingBackend backend(String type) {
        String origin = "http://127.0.0.1:" + server.getAddress().getPort();
        return LangChainEmbeddingBackend.create(
                "embed",
                new EmbeddingSpec(
                        type,
                        type.equals("openai") ? origin + "/v1" : origin,
                        "sk-secret",
                        "embed-model",
                        new Price(0.02, 0),
                        null));
    }

    @Test
    void theOpenAiAdapterReturnsOneVectorPerInputInOrder() {
        EmbeddingBackend.Embeddings result = backend("openai").embed(List.of("a", "bbb"));

        assertThat(result.vectors()).hasSize(2);
        assertThat(result.vectors().get(0)).containsExactly(1f, 0f);
        assertThat(result.vectors().get(1)).containsExactly(3f, 1f);
        assertThat(result.inputTokens()).isEqualTo(7);
        assertThat(received.getLast().path("model").asString()).isEqualTo("embed-model");
    }

    /** As a chat answer's: the backend charged for those tokens, and a key's budget and the client must see them. */
    @Test
    void anAnswerWithoutUsageCountsItsInputsAtAboutFourCharactersAToken() {
        for (String type : List.of("openai", "ollama")) {
            // 9 characters: 3 tokens; 8: 2
            assertThat(backend(type).embed(List.of("uncounted", "abcdefgh")).inputTokens())
                    .as(type)
                    .isEqualTo(5);
        }
    }

    @Test
    void theOllamaAdapterSpeaksOllamasProtocol() {
        EmbeddingBackend.Embeddings result = backend("ollama").embed(List.of("hello"));

        assertThat(result.vectors()).singleElement().satisfies(v -> assertThat(v)
                .containsExactly(5f, 0f));
    }

    @Test
    void aRefusedInputIsTheCallersErrorAsTheUpstreamSentItWithoutTheKey() {
        assertThatThrownBy(() -> backend("openai").embed(List.of("refuse")))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.action()).isEqualTo(BackendException.Action.GIVE_UP);
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("input refused for key [redacted]");
                    assertThat(e.errorType()).isEqualTo("invalid_request_error");
                    assertThat(e.errorParam()).isEqualTo("input");
                    assertThat(e.errorCode()).isEqualTo("invalid_input");
                });
    }

    @Test
    void aSpecNeverShowsItsKey() {
        assertThat(new EmbeddingSpec("openai", "http://x", "sk-secret", "m", null, null).toString())
                .doesNotContain("sk-secret");
    }

    @Test
    void aBackendCarriesItsInputPriceAndIsFreeWithoutOne() {
        assertThat(backend("openai").price()).isEqualTo(new Price(0.02, 0));
        assertThat(new EmbeddingSpec("ollama", "http://x", null, "m", null, null).price())
                .isEqualTo(Price.FREE);
    }

    @Test
    void anOutputPriceIsRefusedSinceAnEmbeddingWritesNoTokens() {
        assertThatThrownBy(() -> new EmbeddingSpec("openai", "http://x", null, "m", new Price(0.02, 1), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("price.output must be absent but was 1.0");
    }

    @Test
    void aBaseUrlWithoutItsSchemeIsRefusedAsForAChatBackend() {
        assertThatThrownBy(() -> new EmbeddingSpec("ollama", "localhost:11434", null, "m", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("but was 'localhost:11434'");
    }
}
