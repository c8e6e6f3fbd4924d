package dev.ponder.gateway;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
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
abstract class GatewayTest {

    static final FakeOllamaServer small = FakeOllamaServer.start();
    static final FakeOpenAiServer large = FakeOpenAiServer.start();
    private static final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry);
        // Backends are configured, so keys would be required: these tests are about the API, not security.
        registry.add("ponder.security.open-mode", () -> "true");
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

    OpenAIClient client() {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("unused-in-open-mode")
                .maxRetries(0)
                .build();
    }

    HttpResponse<String> post(String path, String contentType, String body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET()
                .build());
    }

    /** Polls until the asynchronous outcome writer has written the row. */
    Map<String, Object> awaitRow(String sql, Object... args) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
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
