package dev.ponder.gateway;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.ponder.providers.testing.FakeLlmServer;
import dev.ponder.providers.testing.FakeOllamaServer;
import dev.ponder.providers.testing.FakeOpenAiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A gateway on a random port in front of an Ollama-protocol server ({@code small}) and an OpenAI-protocol server
 * ({@code large}), logging to a fresh real PostgreSQL database. Subclasses share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayTest {

    static final FakeOllamaServer small = FakeOllamaServer.start();
    protected static final FakeOpenAiServer large = FakeOpenAiServer.start();
    private static final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcTemplate jdbc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry);
        // Backends are configured, so keys would be required: these tests are about the API, not security.
        registry.add("ponder.security.open-mode", () -> "true");
        backendsAndPolicies(registry, small, large);
        // The OpenAI-protocol backend as a lower tier, checked before it streams or streaming live.
        registry.add("ponder.policies.verified.tiers", () -> "large,small");
        registry.add("ponder.policies.verified.thresholds", () -> "1.0");
        registry.add("ponder.policies.live.tiers", () -> "large,small");
        registry.add("ponder.policies.live.thresholds", () -> "1.0");
        registry.add("ponder.policies.live.stream-mode", () -> "route-then-stream");
    }

    /**
     * {@code small} (free) and {@code large} (priced, with an API key) over the given servers, and the policies
     * {@code default} (starts at small) and {@code hard} (starts at large); for other test contexts too.
     */
    public static void backendsAndPolicies(DynamicPropertyRegistry registry, FakeLlmServer small, FakeLlmServer large) {
        registry.add("ponder.backends.small.type", () -> "ollama");
        registry.add("ponder.backends.small.base-url", small::baseUrl);
        registry.add("ponder.backends.small.model", () -> "llama3.2:3b");
        registry.add("ponder.backends.small.resilience.max-attempts", () -> "1");
        registry.add("ponder.backends.large.type", () -> "openai");
        registry.add("ponder.backends.large.base-url", large::baseUrl);
        registry.add("ponder.backends.large.api-key", () -> "sk-upstream-secret");
        registry.add("ponder.backends.large.model", () -> "gpt-4o");
        registry.add("ponder.backends.large.price.input", () -> "2.5");
        registry.add("ponder.backends.large.price.output", () -> "10");
        // Thresholds at the ends of [0, 1] make the start tier independent of the bundled classifier's score.
        registry.add("ponder.policies.default.tiers", () -> "small,large");
        registry.add("ponder.policies.default.thresholds", () -> "1.0");
        registry.add("ponder.policies.hard.tiers", () -> "small,large");
        registry.add("ponder.policies.hard.thresholds", () -> "0.0");
    }

    @BeforeAll
    static void answers() {
        small.reply(prompt -> prompt.contains("capital of Atlantis") ? "I don't know." : "Small says: " + prompt);
        large.reply(prompt -> "Large says: " + prompt);
    }

    protected OpenAIClient client() {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("unused-in-open-mode")
                .maxRetries(0)
                .build();
    }

    /** Streams the request through the official SDK, with its usage, and assembles the chunks as the SDK does. */
    protected ChatCompletion streamedWithUsage(ChatCompletionCreateParams params) {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client().chat()
                .completions()
                .createStreaming(params.toBuilder()
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.chatCompletion();
    }

    protected HttpResponse<String> post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    protected static HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET()
                .build());
    }

    /** Polls until the asynchronous outcome writer has written the row. */
    protected Map<String, Object> awaitRow(String sql, Object... args) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<Map<String, Object>> rows = jdbc.queryForList(sql, args);
            if (!rows.isEmpty() || System.nanoTime() > deadline) {
                org.assertj.core.api.Assertions.assertThat(rows)
                        .as("rows for %s", sql)
                        .isNotEmpty();
                return rows.getFirst();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
