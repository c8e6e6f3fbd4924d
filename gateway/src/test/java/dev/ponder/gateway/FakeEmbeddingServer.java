package dev.ponder.gateway;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAI-protocol embedding server ({@code POST /v1/embeddings}) for one test class: each input's vector is
 * {@code [length, 0.5]}, and the usage it reports is one prompt token per input character, so that what a key is
 * charged can be told from the inputs; or, {@link #withoutUsage()}, no usage at all, as some servers answer.
 */
public final class FakeEmbeddingServer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final AtomicInteger calls = new AtomicInteger();
    private final boolean reportsUsage;
    private final LocalServer server = LocalServer.start("/v1/embeddings", this::embed);

    public static FakeEmbeddingServer start() {
        return new FakeEmbeddingServer(true);
    }

    /** A server whose answers carry no {@code usage}. */
    public static FakeEmbeddingServer withoutUsage() {
        return new FakeEmbeddingServer(false);
    }

    private FakeEmbeddingServer(boolean reportsUsage) {
        this.reportsUsage = reportsUsage;
    }

    /** The base URL of an {@code openai} embedding backend on this server. */
    public String baseUrl() {
        return server.openAiBaseUrl();
    }

    /** How many requests reached this server. */
    public int calls() {
        return calls.get();
    }

    private void embed(HttpExchange exchange) throws IOException {
        try (exchange) {
            calls.incrementAndGet();
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            var body = JSON.createObjectNode()
                    .put("object", "list")
                    .put("model", request.path("model").asString());
            var data = body.putArray("data");
            int i = 0;
            int characters = 0;
            for (JsonNode input : request.path("input")) {
                characters += input.asString().length();
                data.addObject()
                        .put("object", "embedding")
                        .put("index", i++)
                        .putArray("embedding")
                        .add((double) input.asString().length())
                        .add(0.5);
            }
            if (reportsUsage) {
                body.putObject("usage").put("prompt_tokens", characters).put("total_tokens", characters);
            }
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
