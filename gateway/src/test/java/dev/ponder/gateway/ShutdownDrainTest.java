package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.providers.testing.FakeOllamaServer;
import dev.ponder.providers.testing.FakeOpenAiServer;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
            // In progress until the drain has been seen: a 3 s delay could end first on a loaded machine, and the
            // kept-alive request then found the server stopped.
            small.holdAnswers();
            ConfigurableApplicationContext context = start(database, small, Duration.ofSeconds(20));
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            try (Socket kept = new Socket("127.0.0.1", port)) {
                assertThat(exchange(kept, "GET /v1/models HTTP/1.1\r\nHost: ponder\r\n\r\n"))
                        .startsWith("HTTP/1.1 200");
                CompletableFuture<HttpResponse<String>> slow = chat(port);
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
                small.releaseAnswers();
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
                small.releaseAnswers();
                context.close();
            }
        }
    }

    /**
     * A whole answer longer than the drain is cut before the server stops, as a stream is: its client is told that
     * the replica is shutting down and to retry (503, as a request arriving during the drain), and so is the outcome
     * log; before, it got the interrupted backend call's error.
     */
    @Test
    void aWholeAnswerCutAtTheEndOfTheDrainIsToldTheReplicaIsShuttingDown() throws Exception {
        String database = TestDatabase.create();
        try (FakeOllamaServer small = FakeOllamaServer.start()) {
            small.reply(prompt -> "Small says: " + prompt);
            small.delayFirstByte(Duration.ofSeconds(20));
            ConfigurableApplicationContext context = start(database, small, Duration.ofSeconds(1));
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            HttpResponse<String> cut;
            try {
                CompletableFuture<HttpResponse<String>> slow = chat(port);
                awaitUntil("the request to reach its backend", () -> small.requestCount() > 0);

                context.close();
                cut = slow.get(30, TimeUnit.SECONDS);
            } finally {
                context.close();
            }

            assertThat(cut.statusCode()).as(cut.body()).isEqualTo(503);
            assertThat(cut.body())
                    .contains("\"code\":\"server_shutting_down\"")
                    .contains("This Ponder replica is shutting down");
            assertThat(cut.headers().firstValue("retry-after")).contains("1");
            Map<String, Object> row = loggedRow(
                    database, cut.headers().firstValue("x-ponder-request-id").orElseThrow());
            assertThat(row.get("http_status")).isEqualTo(503);
            assertThat((String) row.get("error")).startsWith("this Ponder replica is shutting down");
        }
    }

    /**
     * A stream longer than the drain is cut before the server stops: its client is told why, and its outcome row,
     * written before the outcome log closes, counts what was sent and costs it, as for any stream cut short.
     */
    @Test
    void aStreamCutAtTheEndOfTheDrainIsLoggedWithWhatItSent() throws Exception {
        String database = TestDatabase.create();
        try (FakeOpenAiServer large = FakeOpenAiServer.start()) {
            large.reply(prompt -> "word ".repeat(1500));
            large.paceChunks(Duration.ofMillis(20));
            ConfigurableApplicationContext context = start(
                    database,
                    "spring.lifecycle.timeout-per-shutdown-phase=1s",
                    "ponder.backends.large.type=openai",
                    "ponder.backends.large.base-url=" + large.baseUrl(),
                    "ponder.backends.large.model=gpt-4o",
                    "ponder.backends.large.price.input=2.5",
                    "ponder.backends.large.price.output=10",
                    "ponder.policies.default.tiers=large");
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            String id;
            StringBuilder received = new StringBuilder();
            try {
                HttpResponse<InputStream> stream = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        BODY.replace("\"ponder\",", "\"ponder\",\"stream\":true,")))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                id = stream.headers().firstValue("x-ponder-request-id").orElseThrow();
                CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> readAll(stream.body(), received));
                awaitUntil("the stream to begin", () -> received.toString().contains("word"));

                context.close();
                reading.get(30, TimeUnit.SECONDS);
            } finally {
                context.close();
            }
            assertThat(received.toString())
                    .as("the stream was cut, not finished, and says why")
                    .doesNotContain("[DONE]")
                    .contains("The answer broke off after it began: this Ponder replica is shutting down");
            int sentWords = received.toString().split("word", -1).length - 1;
            Map<String, Object> row = loggedRow(database, id);
            assertThat(((Number) row.get("output_tokens")).intValue())
                    .as(
                            "output tokens of %s words sent (a word is 5 characters, about 1.25 tokens): %s",
                            sentWords, row)
                    .isBetween(sentWords, sentWords * 2);
            assertThat(row.get("http_status")).as("what the client got").isEqualTo(200);
            assertThat((String) row.get("error")).startsWith("this Ponder replica is shutting down");
            assertThat(((Number) row.get("input_tokens")).intValue()).isPositive();
            assertThat(((Number) row.get("cost_usd")).doubleValue()).isPositive();
        }
    }

    /**
     * A gateway on a free port and the given database. Properties go as arguments: as default properties they would
     * lose to application.yml's port and shutdown timeout.
     */
    private static ConfigurableApplicationContext start(String database, String... properties) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=",
                "--ponder.security.open-mode=true"));
        for (String property : properties) {
            args.add("--" + property);
        }
        return new SpringApplicationBuilder(PonderApplication.class).run(args.toArray(String[]::new));
    }

    /** A gateway whose one policy has one tier, Ollama backend {@code small}, and whose drain lasts {@code drain}. */
    private static ConfigurableApplicationContext start(String database, FakeOllamaServer small, Duration drain) {
        return start(
                database,
                "spring.lifecycle.timeout-per-shutdown-phase=" + drain.toSeconds() + "s",
                "ponder.backends.small.type=ollama",
                "ponder.backends.small.base-url=" + small.baseUrl(),
                "ponder.backends.small.model=llama3.2:3b",
                "ponder.policies.default.tiers=small");
    }

    private static void readAll(InputStream body, StringBuilder into) {
        byte[] chunk = new byte[4096];
        try (body) {
            int n;
            while ((n = body.read(chunk)) >= 0) {
                synchronized (into) {
                    into.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            // the server stopped in the middle of the stream: what was read is what the client got
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

    private static Map<String, Object> loggedRow(String database, String requestId) throws Exception {
        try (var connection = DriverManager.getConnection(database, "postgres", "");
                PreparedStatement query = connection.prepareStatement(
                        "SELECT http_status, input_tokens, output_tokens, cost_usd, error FROM requests"
                                + " WHERE request_id = ?")) {
            query.setString(1, requestId);
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).as("a row for %s", requestId).isTrue();
                Map<String, Object> columns = new java.util.LinkedHashMap<>();
                for (int i = 1; i <= row.getMetaData().getColumnCount(); i++) {
                    columns.put(row.getMetaData().getColumnName(i), row.getObject(i));
                }
                return columns;
            }
        }
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
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 30 s for %s", what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static CompletableFuture<HttpResponse<String>> chat(int port) {
        return http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(BODY))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
