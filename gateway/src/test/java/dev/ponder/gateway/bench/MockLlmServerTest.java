package dev.ponder.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The mock speaks HTTP/1.1 to the JDK client, the one Ponder's upstream calls go through, on kept-alive connections. */
class MockLlmServerTest {

    private final MockLlmServer mock = MockLlmServer.start(Duration.ZERO, 3, Duration.ofMillis(1));
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void close() {
        client.close();
        mock.close();
    }

    @Test
    void answersACompletionAsJsonWithItsLengthAndUsage() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response =
                    post("{\"model\":\"m\",\"messages\":[]}", HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValueAsLong("content-length"))
                    .hasValue(response.body().length());
            assertThat(response.body())
                    .contains("\"content\":\"word word word\"")
                    .contains("\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":3,\"total_tokens\":23}");
        }
    }

    @Test
    void streamsOneChunkPerTokenThenUsageAndDone() throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response =
                post("{\"model\":\"m\",\"stream\":true}", HttpResponse.BodyHandlers.ofLines());
        List<String> events =
                response.body().filter(line -> line.startsWith("data:")).toList();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertThat(events).hasSize(5);
        assertThat(events.subList(0, 3)).allMatch(e -> e.contains("\"delta\":{\"content\":\"word \"}"));
        assertThat(events.get(3)).contains("\"finish_reason\":\"stop\"").contains("\"total_tokens\":23");
        assertThat(events.get(4)).isEqualTo("data: [DONE]");
    }

    @Test
    void listsItsModelForHealthProbesAndAnswers404Elsewhere() throws IOException, InterruptedException {
        HttpResponse<String> models = client.send(
                HttpRequest.newBuilder(URI.create(mock.baseUrl() + "/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> other = client.send(
                HttpRequest.newBuilder(URI.create(mock.baseUrl() + "/embeddings"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(models.body()).contains("\"id\":\"mock\"");
        assertThat(other.statusCode()).isEqualTo(404);
    }

    private <T> HttpResponse<T> post(String body, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(URI.create(mock.baseUrl() + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                handler);
    }
}
