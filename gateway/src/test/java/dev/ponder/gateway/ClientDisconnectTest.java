package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A client that leaves, in the middle of a stream, before its first chunk or before its whole answer, cancels the
 * backend call.
 */
class ClientDisconnectTest extends GatewayTest {

    private static final CountDownLatch upstreamLeft = new CountDownLatch(1);
    private static final CountDownLatch wholeAnswerAsked = new CountDownLatch(1);
    private static final CountDownLatch wholeAnswerLeft = new CountDownLatch(1);
    private static final CountDownLatch bufferedStreamAsked = new CountDownLatch(1);
    private static final CountDownLatch bufferedStreamLeft = new CountDownLatch(1);
    private static final String WITHIN_A_SECOND = "Answer within a second.";
    private static final String THINK_ALOUD = "Think aloud for a while.";

    /**
     * An OpenAI-protocol server that takes 10 s over each answer, writing a word of a stream or a blank of a whole
     * answer every 100 ms, and notices when its reader leaves.
     */
    private static final LocalServer slow = LocalServer.start("/v1/", ClientDisconnectTest::answerSlowly);

    @DynamicPropertySource
    static void slowBackend(DynamicPropertyRegistry registry) {
        registry.add("ponder.backends.slow.type", () -> "openai");
        registry.add("ponder.backends.slow.base-url", slow::openAiBaseUrl);
        registry.add("ponder.backends.slow.model", () -> "slow-model");
        registry.add("ponder.backends.slow.resilience.max-attempts", () -> "1");
        registry.add("ponder.policies.slow-first.tiers", () -> "slow,large");
        registry.add("ponder.policies.slow-first.thresholds", () -> "1.0");
        registry.add("ponder.policies.slow-verified.tiers", () -> "slow,large");
        registry.add("ponder.policies.slow-verified.thresholds", () -> "1.0");
        registry.add("ponder.policies.slow-verified.stream-mode", () -> "verify-then-stream");
    }

    @AfterAll
    static void stop() {
        slow.close();
    }

    private static void answerSlowly(HttpExchange exchange) throws IOException {
        String request;
        try (InputStream in = exchange.getRequestBody()) {
            request = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if ("GET".equals(exchange.getRequestMethod())) {
            try (exchange) {
                exchange.sendResponseHeaders(200, 2);
                exchange.getResponseBody().write("{}".getBytes(StandardCharsets.UTF_8));
            }
        } else if (request.contains(THINK_ALOUD)) {
            streamSlowly(exchange, bufferedStreamAsked, bufferedStreamLeft);
        } else if (request.contains("\"stream\":true")) {
            streamSlowly(exchange, new CountDownLatch(1), upstreamLeft);
        } else {
            answerWholeSlowly(exchange, request);
        }
    }

    private static void streamSlowly(HttpExchange exchange, CountDownLatch asked, CountDownLatch left)
            throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            asked.countDown();
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
            left.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A whole answer whose JSON starts after 10 s of blanks (1 s when asked to answer within a second), which JSON
     * allows before a value.
     */
    private static void answerWholeSlowly(HttpExchange exchange, String request) throws IOException {
        boolean soon = request.contains(WITHIN_A_SECOND);
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            if (!soon) {
                wholeAnswerAsked.countDown();
            }
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < (soon ? 10 : 100); i++) {
                out.write(' ');
                out.flush();
                Thread.sleep(100);
            }
            out.write(("{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"slow-model\","
                            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Done.\"},"
                            + "\"finish_reason\":\"stop\"}]}")
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (!soon) {
                wholeAnswerLeft.countDown();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aClientThatHangsUpBeforeItsWholeAnswerCancelsTheUpstreamCallAndNoOtherTierIsAsked() throws Exception {
        String body = """
                {"model": "ponder/slow-first", "messages": [{"role": "user", "content": "Think for a while."}]}""";
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: ponder\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.UTF_8));
            assertThat(wholeAnswerAsked.await(5, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(wholeAnswerLeft.await(2, TimeUnit.SECONDS))
                .as("the upstream call was cut within 2 s of the hang-up, long before its 10 s end")
                .isTrue();
        Map<String, Object> row = awaitRow(
                "SELECT http_status, error, attempts FROM requests WHERE requested_model = 'ponder/slow-first'");
        assertThat(row.get("http_status")).isEqualTo(499);
        assertThat((String) row.get("error")).startsWith("the client closed the connection before its answer");
        assertThat(row.get("attempts")).isEqualTo(1);
        // The server's own request metric agrees with Ponder's (it is recorded as the request leaves the filters).
        assertThat(get("/actuator/prometheus").body())
                .contains(
                        "ponder_requests_total{backend=\"none\",outcome=\"failed\",policy=\"slow-first\",status=\"499\",tier=\"none\"}")
                .containsPattern(
                        "http_server_requests_seconds_count\\{[^}]*status=\"499\",uri=\"/v1/chat/completions\"}");
    }

    @Test
    void aClientThatHangsUpWhileALowerTiersStreamIsBufferedCancelsTheUpstreamCallAndIsWrittenNothing()
            throws Exception {
        String body = """
                {"model": "ponder/slow-verified", "stream": true,
                 "messages": [{"role": "user", "content": "%s"}]}""".formatted(THINK_ALOUD);
        String written;
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            client.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: ponder\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.UTF_8));
            assertThat(bufferedStreamAsked.await(5, TimeUnit.SECONDS)).isTrue();
            // Half-closed, which Ponder takes for a hang-up as nginx does, so that what it writes can still be read.
            client.shutdownOutput();
            written = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(written).as("what the client was written").isEmpty();
        assertThat(bufferedStreamLeft.await(2, TimeUnit.SECONDS))
                .as("the buffered upstream stream was cut within 2 s of the hang-up, long before its 10 s end")
                .isTrue();
        Map<String, Object> row = awaitRow(
                "SELECT stream, http_status, error, attempts FROM requests WHERE requested_model = 'ponder/slow-verified'");
        assertThat(row.get("stream")).isEqualTo(true);
        assertThat(row.get("http_status")).isEqualTo(499);
        assertThat((String) row.get("error")).startsWith("the client closed the connection before its answer");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(get("/actuator/prometheus").body())
                .contains(
                        "ponder_requests_total{backend=\"none\",outcome=\"failed\",policy=\"slow-verified\",status=\"499\",tier=\"none\"}");
    }

    @Test
    void aClientThatStaysGetsItsAnswerAndTheNextRequestItSentAheadIsLeftIntactByTheProbes() throws Exception {
        String body =
                "{\"model\": \"slow\", \"messages\": [{\"role\": \"user\", \"content\": \"" + WITHIN_A_SECOND + "\"}]}";
        String answers;
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            // Pipelined: the second request is on the connection all the while the first one waits on its backend.
            client.getOutputStream()
                    .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: ponder\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: " + body.length() + "\r\n\r\n" + body
                                    + "GET /v1/models HTTP/1.1\r\nHost: ponder\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            answers = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(answers.split("HTTP/1.1 ", -1))
                .extracting(response -> response.isEmpty() ? "" : response.substring(0, 3))
                .containsExactly("", "200", "200");
        assertThat(answers).contains("\"content\":\"Done.\"").contains("\"object\":\"list\"");
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
