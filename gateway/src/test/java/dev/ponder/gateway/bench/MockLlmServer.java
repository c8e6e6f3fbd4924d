package dev.ponder.gateway.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible model server as cheap as a server can be, for load tests: {@code POST /v1/chat/completions}
 * answers after {@code latency} with {@code tokens} words, streamed ({@code stream: true}) as chunked SSE, one chunk
 * per word every {@code tokenInterval}, the last one carrying {@code usage}; {@code GET /v1/models} answers health
 * probes. Each connection is served by a virtual thread of its own over a blocking socket, reading requests in a
 * keep-alive loop, and every answer is serialized once when the server starts. Connections stay open until the client
 * closes them: a server that closes idle connections races a client that is about to reuse one.
 */
final class MockLlmServer implements AutoCloseable {

    private static final byte[] STREAM = "\"stream\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    // Request bodies beyond this are refused: the benchmark's are a few hundred bytes.
    private static final int MAX_BODY = 1 << 20;

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Duration latency;
    private final Duration tokenInterval;
    private final int tokens;
    private final byte[] completion;
    private final byte[] streamHead;
    private final byte[] chunk;
    private final byte[] streamEnd;
    private final byte[] models;
    private final byte[] notFound;
    private final byte[] tooLarge;

    private MockLlmServer(Duration latency, int tokens, Duration tokenInterval) throws IOException {
        if (latency.isNegative() || tokenInterval.isNegative() || tokens < 1) {
            throw new IllegalArgumentException("mock server needs latency >= 0, tokens >= 1, interval >= 0 but got "
                    + latency + ", " + tokens + ", " + tokenInterval);
        }
        this.latency = latency;
        this.tokens = tokens;
        this.tokenInterval = tokenInterval;
        String text = "word ".repeat(tokens).strip();
        String usage = "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":" + tokens + ",\"total_tokens\":"
                + (20 + tokens) + "}";
        this.completion = response(
                "200 OK",
                "application/json",
                "{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"mock\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text
                        + "\"},\"finish_reason\":\"stop\"}]," + usage + "}");
        this.streamHead =
                ascii("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        this.chunk = chunk("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},"
                + "\"finish_reason\":null}]}\n\n");
        byte[] last = chunk("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"mock\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                + usage + "}\n\ndata: [DONE]\n\n");
        this.streamEnd = Http1.concat(last, ascii("0\r\n\r\n"));
        this.models = response(
                "200 OK",
                "application/json",
                "{\"object\":\"list\",\"data\":[{\"id\":\"mock\",\"object\":\"model\",\"owned_by\":\"bench\"}]}");
        this.notFound = response(
                "404 Not Found",
                "application/json",
                "{\"error\":{\"message\":\"no such path\",\"type\":\"invalid_request_error\",\"param\":null,"
                        + "\"code\":null}}");
        this.tooLarge = response(
                "413 Content Too Large",
                "application/json",
                "{\"error\":{\"message\":\"body too large\",\"type\":\"invalid_request_error\",\"param\":null,"
                        + "\"code\":null}}");
        this.server = new ServerSocket(0, 16_384, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
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
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
    }

    String describe() {
        return "latency " + latency.toMillis() + " ms, " + tokens + " tokens, one per " + tokenInterval.toMillis()
                + " ms when streamed";
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                // the server socket was closed: the server is stopping
            }
        }
    }

    /** Answers the requests of one connection, one after the other, until the client closes it. */
    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            Http1 in = new Http1(socket.getInputStream(), 4096);
            OutputStream out = socket.getOutputStream();
            Http1.Head head;
            while ((head = in.readHead(null)) != null) {
                if (head.contentLength() > MAX_BODY) {
                    out.write(tooLarge);
                    return;
                }
                Http1.Collector body = new Http1.Collector(MAX_BODY);
                in.readBody(head, false, body);
                String target = head.startLine();
                String path = target.substring(target.indexOf(' ') + 1);
                if (path.startsWith("/v1/chat/completions")) {
                    complete(body, out);
                } else if (path.startsWith("/v1/models")) {
                    out.write(models);
                } else {
                    out.write(notFound);
                }
                if (head.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away mid-request: there is no one to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connections.remove(socket);
        }
    }

    private void complete(Http1.Collector body, OutputStream out) throws IOException, InterruptedException {
        if (!streamed(body.bytes(), body.length())) {
            pause(latency);
            out.write(completion);
            return;
        }
        out.write(streamHead);
        pause(latency);
        for (int i = 0; i < tokens; i++) {
            if (i > 0) {
                pause(tokenInterval);
            }
            out.write(chunk);
        }
        out.write(streamEnd);
    }

    /** Whether the request body says {@code "stream": true}. */
    static boolean streamed(byte[] body, int length) {
        int at = Http1.indexOf(body, 0, length, STREAM);
        if (at < 0) {
            return false;
        }
        int i = at + STREAM.length;
        while (i < length
                && (body[i] == ' ' || body[i] == ':' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) {
            i++;
        }
        return Http1.indexOf(body, i, Math.min(length, i + TRUE.length), TRUE) == i;
    }

    private static void pause(Duration d) throws InterruptedException {
        if (d.isPositive()) {
            Thread.sleep(d);
        }
    }

    private static byte[] response(String status, String contentType, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return Http1.concat(
                ascii("HTTP/1.1 " + status + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
                        + "\r\n\r\n"),
                body);
    }

    /** {@code text} framed as one chunk of a chunked body. */
    private static byte[] chunk(String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        return Http1.concat(Http1.concat(ascii(Integer.toHexString(data.length) + "\r\n"), data), ascii("\r\n"));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing a listening socket: nothing to recover
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException e) {
                // the client may have closed it first
            }
        }
        threads.shutdownNow();
    }
}
