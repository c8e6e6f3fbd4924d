package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A client that leaves in the middle of a stream cancels the backend call it was waiting on. */
class ClientDisconnectTest extends GatewayTest {

    private static final CountDownLatch upstreamLeft = new CountDownLatch(1);

    /** An OpenAI-protocol server that streams a word every 100 ms for 10 s, and notices when its reader leaves. */
    private static final LocalServer slow = LocalServer.start("/v1/", ClientDisconnectTest::streamSlowly);

    @DynamicPropertySource
    static void slowBackend(DynamicPropertyRegistry registry) {
        registry.add("ponder.backends.slow.type", () -> "openai");
        registry.add("ponder.backends.slow.base-url", slow::openAiBaseUrl);
        registry.add("ponder.backends.slow.model", () -> "slow-model");
        registry.add("ponder.backends.slow.resilience.max-attempts", () -> "1");
    }

    @AfterAll
    static void stop() {
        slow.close();
    }

    private static void streamSlowly(HttpExchange exchange) throws IOException {
        try (exchange) {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            if ("GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(200, 2);
                exchange.getResponseBody().write("{}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 100; i++) {
                out.write(
                        ("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"slow-model\","
                                        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n")
                                .getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(100);
            }
        } catch (IOException e) {
            upstreamLeft.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aClientThatLeavesMidStreamCancelsTheUpstreamCall() throws Exception {
        HttpResponse<InputStream> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("""
                                        {"model": "slow", "stream": true,
                                         "messages": [{"role": "user", "content": "Talk for a while."}]}"""))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        InputStream body = response.body();
        String seen = "";
        while (!seen.contains("word")) {
            byte[] chunk = new byte[256];
            int n = body.read(chunk);
            assertThat(n).as("the stream ended before any content").isPositive();
            seen += new String(chunk, 0, n, StandardCharsets.UTF_8);
        }

        body.close();

        assertThat(upstreamLeft.await(5, TimeUnit.SECONDS))
                .as("the upstream stream was cut before its 10 s end")
                .isTrue();
    }
}
