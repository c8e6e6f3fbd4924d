package dev.ponder.gateway.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible model server as fast as the JDK allows, for load tests: {@code POST /v1/chat/completions}
 * answers after {@code latency} with {@code tokens} words, streamed ({@code stream: true}) one SSE chunk per word every
 * {@code tokenInterval}; {@code GET /v1/models} answers health probes. Each exchange runs on its own virtual thread,
 * so thousands of slow requests cost no platform threads.
 */
final class MockLlmServer implements AutoCloseable {

    static {
        // Without it the JDK server waits for delayed ACKs: every small response stalls ~40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // The JDK server's default of at most 200 idle connections is kept on purpose: with 100,000 (every connection
        // Ponder's pool opened during a stall kept and cycled first in, first out) Ponder fell behind at 1,000 RPS in
        // every quiet-machine run; docs/benchmarks.md, "Runs of the third session".
    }

    private static final Pattern STREAM = Pattern.compile("\"stream\"\\s*:\\s*true");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Duration latency;
    private final Duration tokenInterval;
    private final byte[] completion;
    private final byte[] chunk;
    private final byte[] streamEnd;
    private final int tokens;

    private MockLlmServer(Duration latency, int tokens, Duration tokenInterval) throws IOException {
        if (latency.isNegative() || tokenInterval.isNegative() || tokens < 1) {
            throw new IllegalArgumentException("mock server needs latency >= 0, tokens >= 1, interval >= 0 but got "
                    + latency + ", " + tokens + ", " + tokenInterval);
        }
        this.latency = latency;
        this.tokens = tokens;
        this.tokenInterval = tokenInterval;
        String text = "word ".repeat(tokens).strip();
        this.completion = ("{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"mock\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text
                        + "\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":" + tokens + ",\"total_tokens\":"
                        + (20 + tokens) + "}}")
                .getBytes(StandardCharsets.UTF_8);
        this.chunk = ("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},"
                        + "\"finish_reason\":null}]}\n\n")
                .getBytes(StandardCharsets.UTF_8);
        this.streamEnd = ("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":" + tokens + ",\"total_tokens\":"
                        + (20 + tokens) + "}}\n\ndata: [DONE]\n\n")
                .getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16_384);
        server.setExecutor(executor);
        server.createContext("/v1/chat/completions", this::complete);
        server.createContext("/v1/models", this::models);
        server.start();
    }

    static MockLlmServer start(Duration latency, int tokens, Duration tokenInterval) {
        try {
            return new MockLlmServer(latency, tokens, tokenInterval);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the mock model server", e);
        }
    }

    /** The OpenAI base URL, ending with {@code /v1}. */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    String describe() {
        return "latency " + latency.toMillis() + " ms, " + tokens + " tokens, one per " + tokenInterval.toMillis()
                + " ms when streamed";
    }

    private void complete(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean stream = STREAM.matcher(body).find();
            if (!stream) {
                Thread.sleep(latency);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, completion.length);
                exchange.getResponseBody().write(completion);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            Thread.sleep(latency);
            for (int i = 0; i < tokens; i++) {
                if (i > 0) {
                    Thread.sleep(tokenInterval);
                }
                out.write(chunk);
                out.flush();
            }
            out.write(streamEnd);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void models(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body =
                    "{\"object\":\"list\",\"data\":[{\"id\":\"mock\",\"object\":\"model\",\"owned_by\":\"bench\"}]}"
                            .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
