package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.providers.testing.FakeOllamaServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Shutting down (SIGTERM) while requests run: they finish, and a request that arrives meanwhile, also on a connection
 * its client keeps alive (as a pod still gets them through a Service after it left the endpoints), is told 503 and
 * to reconnect, instead of having its connection closed without an answer.
 */
class ShutdownDrainTest {

    private static final String BODY =
            "{\"model\":\"ponder\",\"messages\":[{\"role\":\"user\",\"content\":\"Take your time.\"}]}";
    private static final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aRequestInProgressFinishesAndOneOnAKeptAliveConnectionIsToldToRetry() throws Exception {
        String database = TestDatabase.create();
        try (FakeOllamaServer small = FakeOllamaServer.start()) {
            small.reply(prompt -> "Small says: " + prompt);
            small.delayFirstByte(Duration.ofSeconds(3));
            ConfigurableApplicationContext context = new SpringApplicationBuilder(PonderApplication.class)
                    .properties(
                            "server.port=0",
                            "spring.datasource.url=" + database,
                            "spring.datasource.username=postgres",
                            "spring.datasource.password=",
                            "spring.lifecycle.timeout-per-shutdown-phase=20s",
                            "ponder.security.open-mode=true",
                            "ponder.backends.small.type=ollama",
                            "ponder.backends.small.base-url=" + small.baseUrl(),
                            "ponder.backends.small.model=llama3.2:3b",
                            "ponder.policies.default.tiers=small")
                    .run();
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            try (Socket kept = new Socket("127.0.0.1", port)) {
                assertThat(exchange(kept, "GET /v1/models HTTP/1.1\r\nHost: ponder\r\n\r\n"))
                        .startsWith("HTTP/1.1 200");
                CompletableFuture<HttpResponse<String>> slow = http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                awaitUntil("the slow request to reach its backend", () -> small.requestCount() > 0);

                CompletableFuture<Void> shutdown = CompletableFuture.runAsync(context::close);
                awaitUntil("a new request to be told 503", () -> statusOfANewRequest(port) == 503);
                String answer = exchange(
                        kept,
                        "POST /v1/chat/completions HTTP/1.1\r\nHost: ponder\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY);

                assertThat(answer).startsWith("HTTP/1.1 503");
                assertThat(answer.toLowerCase(Locale.ROOT)).contains("connection: close", "retry-after: 1");
                assertThat(answer).contains("\"code\":\"server_shutting_down\"");
                HttpResponse<String> finished = slow.get(30, TimeUnit.SECONDS);
                assertThat(finished.statusCode()).isEqualTo(200);
                shutdown.get(30, TimeUnit.SECONDS);
                assertThat(loggedStatus(
                                database,
                                finished.headers()
                                        .firstValue("x-ponder-request-id")
                                        .orElseThrow()))
                        .as("the finished request's outcome was written before the database closed")
                        .isEqualTo(200);
            } finally {
                context.close();
            }
        }
    }

    /** The status of a request on a new connection, or -1 when it got none. */
    private static int statusOfANewRequest(int port) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Sends a request on the connection and reads one response: by Content-Length, chunks, or to its close. */
    private static String exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        int b;
        while (!read.toString(StandardCharsets.UTF_8).contains("\r\n\r\n") && (b = in.read()) >= 0) {
            read.write(b);
        }
        String head = read.toString(StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        int length = head.lines()
                .filter(line -> line.startsWith("content-length:"))
                .map(line -> Integer.parseInt(
                        line.substring("content-length:".length()).strip()))
                .findFirst()
                .orElse(-1);
        if (length >= 0) {
            read.write(in.readNBytes(length));
        } else {
            while (!read.toString(StandardCharsets.UTF_8).endsWith("\r\n0\r\n\r\n") && (b = in.read()) >= 0) {
                read.write(b);
            }
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    private static Integer loggedStatus(String database, String requestId) throws Exception {
        try (var connection = DriverManager.getConnection(database, "postgres", "");
                PreparedStatement query =
                        connection.prepareStatement("SELECT http_status FROM requests WHERE request_id = ?")) {
            query.setString(1, requestId);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getInt(1) : null;
            }
        }
    }

    private static void awaitUntil(String what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 10 s for %s", what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
