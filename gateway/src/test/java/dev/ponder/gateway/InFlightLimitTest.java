package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * With its queue switched off, past its limit of concurrent requests Ponder refuses at once with 503 and Retry-After
 * (the queue itself: InFlightLimitQueueTest).
 */
@TestPropertySource(properties = {"ponder.api.max-in-flight=1", "ponder.api.max-queued=0"})
class InFlightLimitTest extends GatewayTest {

    private static final String BODY =
            "{\"model\":\"ponder\",\"messages\":[{\"role\":\"user\",\"content\":\"Take your time.\"}]}";

    @Test
    void aRequestBeyondTheLimitIsRefusedAtOnceAndTheNextOneAfterTheSlowOneIsServed() throws Exception {
        // Held, not delayed: the refusals must come while it is in progress, however long they take to be sent.
        small.holdAnswers();
        try {
            int before = small.requestCount();
            CompletableFuture<HttpResponse<String>> slow =
                    CompletableFuture.supplyAsync(() -> post("/v1/chat/completions", "application/json", BODY));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (small.requestCount() == before && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }

            HttpResponse<String> refused = post("/v1/chat/completions", "application/json", BODY);
            // An encoded path reaches the same controller, so it takes a place like any other request.
            HttpResponse<String> encoded = post("/%761/chat/completions", "application/json", BODY);

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(encoded.statusCode()).as(encoded.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).contains("1");
            assertThat(JsonMapper.builder()
                            .build()
                            .readTree(refused.body())
                            .path("error")
                            .path("code")
                            .asString())
                    .isEqualTo("server_overloaded");
            small.releaseAnswers();
            assertThat(slow.get().statusCode()).isEqualTo(200);
        } finally {
            small.releaseAnswers();
        }
        assertThat(post("/v1/chat/completions", "application/json", BODY).statusCode())
                .isEqualTo(200);
    }
}
