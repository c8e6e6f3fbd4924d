package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway configured as the Helm chart runs it: actuator on its own port, which the probes and the ServiceMonitor
 * call without credentials, and spans exported to an OTLP collector. (Without an endpoint nothing is exported: the
 * other gateway tests name none.)
 */
class DeployedGatewayTest extends GatewayTest {

    private static final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private static final HttpServer collector = collector();

    @DynamicPropertySource
    static void otlp(DynamicPropertyRegistry registry) {
        registry.add(
                "management.opentelemetry.tracing.export.otlp.endpoint",
                () -> "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces");
        registry.add("management.opentelemetry.tracing.export.schedule-delay", () -> "100ms");
        registry.add("management.server.port", () -> "0");
        // this test is about spans, not keys
        registry.add("ponder.security.open-mode", () -> "true");
    }

    @LocalManagementPort
    int managementPort;

    @AfterAll
    static void stopCollector() {
        collector.stop(0);
    }

    @Test
    void probesAndTheScrapeAnswerOnTheManagementPortOnly() throws Exception {
        // Readiness also waits for the router's warm-up (RouterWarmUpHealth), which runs once the context is up.
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (status(managementPort, "/actuator/health/readiness") != 200
                && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        for (String path :
                new String[] {"/actuator/health/liveness", "/actuator/health/readiness", "/actuator/prometheus"}) {
            assertThat(status(managementPort, path)).as(path).isEqualTo(200);
        }
        assertThat(status(port, "/actuator/prometheus"))
                .as("the API port, which the Ingress exposes, serves no actuator endpoint")
                .isEqualTo(404);
    }

    private static int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void aTracedRequestExportsItsCascadeAndEachAttemptInTheCallersTrace() throws Exception {
        byte[] traceId = new byte[16];
        ThreadLocalRandom.current().nextBytes(traceId);
        String traceparent = "00-" + HexFormat.of().formatHex(traceId) + "-00f067aa0ba902b7-01";
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .header("traceparent", traceparent)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"ponder\",\"messages\":"
                                        + "[{\"role\":\"user\",\"content\":\"What is the capital of Atlantis?\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);

        // OTLP/HTTP sends protobuf, in which each span carries its trace id as raw bytes and its name as UTF-8
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        // the server span, the cascade and its two attempts at least; the server span ends last, after the response
        while (occurrences(traceId) < 4 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(exported("ponder.cascade")).isTrue();
        assertThat(exported("ponder.attempt small")).isTrue();
        assertThat(exported("ponder.attempt large")).isTrue();
        assertThat(occurrences(traceId)).as("spans in the caller's trace").isGreaterThanOrEqualTo(4);
    }

    private static boolean exported(String spanName) {
        return occurrences(spanName.getBytes(StandardCharsets.UTF_8)) > 0;
    }

    private static int occurrences(byte[] needle) {
        byte[] haystack;
        synchronized (received) {
            haystack = received.toByteArray();
        }
        int count = 0;
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            count++;
        }
        return count;
    }

    private static HttpServer collector() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/traces", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                synchronized (received) {
                    received.write(body);
                }
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
