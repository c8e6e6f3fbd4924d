package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.http.client.HttpMethod;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.sse.DefaultServerSentEventParser;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.ponder.cascade.BackendException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The upstream client's connection handling, against a raw HTTP/1.1 server that counts connections and decides
 * when to close them: reuse, the pool's bound, connections the server closed while idle, and a stream abandoned
 * early, which must drop its connection rather than read the rest.
 */
class UpstreamHttpClientTest {

    private static final String ANSWER = "{\"ok\":true}";
    /** Longer than its compressed form, as real answers are: a Content-Length then counts fewer bytes than it holds. */
    private static final String COMPRESSIBLE_ANSWER = "{\"content\":\"" + "the same words ".repeat(40) + "\"}";

    @Test
    void reusesOneKeptAliveConnectionForCallsInTurn() throws Exception {
        try (RawServer server = new RawServer(Behaviour.KEEP_ALIVE)) {
            UpstreamHttpClient client = client(4);

            for (int i = 0; i < 5; i++) {
                assertThat(client.execute(post(server)).body()).isEqualTo(ANSWER);
            }

            assertThat(server.requests.get()).isEqualTo(5);
            assertThat(server.connections.get()).isEqualTo(1);
        }
    }

    @Test
    void opensNoMoreConnectionsThanTheBulkheadLetsCallsRun() throws Exception {
        try (RawServer server = new RawServer(Behaviour.KEEP_ALIVE);
                ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            server.answerDelay = Duration.ofMillis(100);
            UpstreamHttpClient client = client(2);

            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(callers.submit(() -> client.execute(post(server)).body()));
            }

            for (Future<String> answer : answers) {
                assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(ANSWER);
            }
            assertThat(server.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void aConnectionTheServerClosedAfterItsAnswerIsNotReusedAndTheNextCallSucceeds() throws Exception {
        try (RawServer server = new RawServer(Behaviour.CLOSE_AFTER_ANSWER)) {
            UpstreamHttpClient client = client(4);

            for (int i = 0; i < 5; i++) {
                assertThat(client.execute(post(server)).body()).isEqualTo(ANSWER);
            }

            // Each call on a fresh connection: a request sent on a closed one never reaches the server.
            assertThat(server.requests.get()).isEqualTo(5);
            assertThat(server.connections.get()).isEqualTo(5);
        }
    }

    /**
     * Some servers and proxies compress whatever they send, asked or not. Ponder asks for no compression (a
     * compressing proxy may hold back a stream's tokens), but reads a gzip or deflate answer it gets; it was a 502.
     */
    @Test
    void aCompressedAnswerItDidNotAskForIsDecodedOnAConnectionKeptAlive() throws Exception {
        for (Behaviour compressed : List.of(Behaviour.GZIP, Behaviour.DEFLATE)) {
            try (RawServer server = new RawServer(compressed)) {
                UpstreamHttpClient client = client(4);

                for (int i = 0; i < 3; i++) {
                    assertThat(client.execute(post(server)).body())
                            .as("%s", compressed)
                            .isEqualTo(COMPRESSIBLE_ANSWER);
                }

                assertThat(server.acceptedEncodings).as("what Ponder asked for").containsOnly("");
                assertThat(server.connections.get()).as("%s", compressed).isEqualTo(1);
            }
        }
    }

    @Test
    void aGzipStreamItDidNotAskForIsDecoded() throws Exception {
        try (RawServer server = new RawServer(Behaviour.GZIP_STREAM)) {
            List<String> events = new CopyOnWriteArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch closed = new CountDownLatch(1);

            new UpstreamCall().run(() -> {
                client(4).execute(post(server), new DefaultServerSentEventParser(), new ServerSentEventListener() {
                    @Override
                    public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
                        events.add(event.data());
                    }

                    @Override
                    public void onError(Throwable error) {
                        failure.set(error);
                        closed.countDown();
                    }

                    @Override
                    public void onClose() {
                        closed.countDown();
                    }
                });
                return null;
            });

            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(failure.get()).isNull();
            assertThat(events).containsExactly("{\"word\":\"one\"}", "{\"word\":\"two\"}", "[DONE]");
        }
    }

    @Test
    void anAnswerInAnEncodingItCannotDecodeIsAnUnreadableAnswerThatSaysSo() throws Exception {
        try (RawServer server = new RawServer(Behaviour.BROTLI)) {
            assertThatThrownBy(() -> client(4).execute(post(server)))
                    .isInstanceOfSatisfying(RuntimeException.class, e -> assertThat(
                                    new UpstreamErrors("b", null, java.time.Clock.systemUTC()).map(e))
                            .satisfies(mapped -> {
                                assertThat(mapped.failure()).isEqualTo(BackendException.Failure.BAD_UPSTREAM);
                                assertThat(mapped.getMessage())
                                        .isEqualTo("backend 'b': unreadable answer: it came in Content-Encoding"
                                                + " 'br', which Ponder did not ask for and cannot decode");
                            }));
        }
    }

    @Test
    void aNonStreamedAnswerTrickledPastTheTotalTimeoutFailsAsATimeout() throws Exception {
        try (RawServer server = new RawServer(Behaviour.TRICKLE)) {
            // Each silence (50 ms) is far under the timeout; the whole answer (10 s) is not.
            UpstreamHttpClient client = (UpstreamHttpClient)
                    new UpstreamHttpClient.Builder(Duration.ofSeconds(2), Duration.ofMillis(500), 4).build();

            assertThatThrownBy(() -> client.execute(post(server)))
                    .isInstanceOf(UncheckedIOException.class)
                    .cause()
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("no complete answer within PT0.5S");
            // The connection was dropped, not left half-read in the pool.
            server.behaviour = Behaviour.KEEP_ALIVE;
            assertThat(client.execute(post(server)).body()).isEqualTo(ANSWER);
            assertThat(server.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void aStreamItsCallerCancelsDropsItsConnectionInsteadOfReadingTheRest() throws Exception {
        // UpstreamCall.cancel: the caller gave up (interrupt, timeout); it interrupts the reader and closes the body.
        streamCancelledAfterTheFirstEvent((call, context) -> call.cancel());
    }

    @Test
    void aStreamLangChainCancelsDropsItsConnectionInsteadOfReadingTheRest() throws Exception {
        // LangChain4j's own cancel closes the body on the reading thread, with no interrupt to cut the socket.
        streamCancelledAfterTheFirstEvent(
                (call, context) -> context.parsingHandle().cancel());
    }

    /** Cancels an endless stream from its first event; the server must see the hang-up. */
    private static void streamCancelledAfterTheFirstEvent(BiConsumer<UpstreamCall, ServerSentEventContext> cancel)
            throws Exception {
        try (RawServer server = new RawServer(Behaviour.ENDLESS_STREAM)) {
            UpstreamHttpClient client = client(4);
            UpstreamCall call = new UpstreamCall();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger events = new AtomicInteger();

            call.run(() -> {
                client.execute(post(server), new DefaultServerSentEventParser(), new ServerSentEventListener() {
                    @Override
                    public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
                        if (events.incrementAndGet() == 1) {
                            cancel.accept(call, context);
                        }
                    }

                    @Override
                    public void onError(Throwable error) {
                        failure.set(error);
                    }
                });
                return null;
            });

            // The server's writes fail: nobody reads on to the end, which never comes.
            assertThat(server.hungUp.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(events.get()).isPositive();
            assertThat(failure.get()).isNull();
            server.behaviour = Behaviour.KEEP_ALIVE;
            assertThat(client.execute(post(server)).body()).isEqualTo(ANSWER);
            assertThat(server.connections.get()).isEqualTo(2);
        }
    }

    private static UpstreamHttpClient client(int maxConnections) {
        return (UpstreamHttpClient)
                new UpstreamHttpClient.Builder(Duration.ofSeconds(2), Duration.ofSeconds(10), maxConnections).build();
    }

    private static HttpRequest post(RawServer server) {
        return HttpRequest.builder()
                .method(HttpMethod.POST)
                .url("http://127.0.0.1:" + server.socket.getLocalPort() + "/v1/chat/completions")
                .addHeader("Content-Type", "application/json")
                .body("{\"model\":\"m\"}")
                .build();
    }

    private enum Behaviour {
        /** Answers with Content-Length and keeps the connection for the next request. */
        KEEP_ALIVE,
        /** Answers as KEEP_ALIVE would, then closes the connection without saying so. */
        CLOSE_AFTER_ANSWER,
        /** A chunked SSE answer that never ends. */
        ENDLESS_STREAM,
        /** A 200-byte answer sent a byte every 50 ms. */
        TRICKLE,
        /** The answer gzipped, with Content-Encoding: gzip, whatever the request asked. */
        GZIP,
        /** The answer in zlib's deflate format, with Content-Encoding: deflate. */
        DEFLATE,
        /** Bytes said to be Brotli, which Ponder cannot decode. */
        BROTLI,
        /** A chunked SSE answer of two events and [DONE], gzipped. */
        GZIP_STREAM
    }

    /** One virtual thread per connection; requests are read whole (headers, then Content-Length bytes). */
    private static final class RawServer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final CountDownLatch hungUp = new CountDownLatch(1);
        final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        volatile Behaviour behaviour;
        volatile Duration answerDelay = Duration.ZERO;
        /** The Accept-Encoding header of each request, "" when it had none. */
        final List<String> acceptedEncodings = new CopyOnWriteArrayList<>();

        RawServer(Behaviour behaviour) throws IOException {
            this.behaviour = behaviour;
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.submit(() -> {
                while (!socket.isClosed()) {
                    Socket connection = socket.accept();
                    connections.incrementAndGet();
                    threads.submit(() -> serve(connection));
                }
                return null;
            });
        }

        private Void serve(Socket connection) throws Exception {
            try (connection) {
                InputStream in = connection.getInputStream();
                OutputStream out = connection.getOutputStream();
                while (readRequest(in, acceptedEncodings)) {
                    requests.incrementAndGet();
                    Thread.sleep(answerDelay);
                    if (behaviour == Behaviour.ENDLESS_STREAM) {
                        stream(out);
                        return null;
                    }
                    if (behaviour == Behaviour.TRICKLE) {
                        trickle(out);
                        return null;
                    }
                    if (behaviour == Behaviour.GZIP_STREAM) {
                        gzipStream(out);
                        return null;
                    }
                    if (behaviour == Behaviour.GZIP
                            || behaviour == Behaviour.DEFLATE
                            || behaviour == Behaviour.BROTLI) {
                        compressed(out, behaviour);
                        continue;
                    }
                    byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                    if (behaviour == Behaviour.CLOSE_AFTER_ANSWER) {
                        return null;
                    }
                }
            }
            return null;
        }

        /** Chunks of events, as fast as the client takes them, until a write fails. */
        private void stream(OutputStream out) {
            byte[] event = "data: {\"word\":\"more\"}\n\n".getBytes(StandardCharsets.UTF_8);
            byte[] chunk = (Integer.toHexString(event.length) + "\r\n" + new String(event, StandardCharsets.UTF_8)
                            + "\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            try {
                out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                while (true) {
                    out.write(chunk);
                    out.flush();
                }
            } catch (IOException clientLeft) {
                hungUp.countDown();
            }
        }

        private static void compressed(OutputStream out, Behaviour behaviour) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            String encoding;
            if (behaviour == Behaviour.BROTLI) {
                encoding = "br";
                bytes.write(new byte[] {0x1b, 0x0a, 0x00, (byte) 0xf8});
            } else {
                encoding = behaviour == Behaviour.GZIP ? "gzip" : "deflate";
                try (OutputStream zip =
                        behaviour == Behaviour.GZIP ? new GZIPOutputStream(bytes) : new DeflaterOutputStream(bytes)) {
                    zip.write(COMPRESSIBLE_ANSWER.getBytes(StandardCharsets.UTF_8));
                }
            }
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: " + encoding
                            + "\r\nContent-Length: " + bytes.size() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            bytes.writeTo(out);
            out.flush();
        }

        private static void gzipStream(OutputStream out) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (OutputStream zip = new GZIPOutputStream(bytes)) {
                zip.write("data: {\"word\":\"one\"}\n\ndata: {\"word\":\"two\"}\n\ndata: [DONE]\n\n"
                        .getBytes(StandardCharsets.UTF_8));
            }
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(bytes.size()) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            bytes.writeTo(out);
            out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private static void trickle(OutputStream out) throws InterruptedException {
            try {
                out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 200; i++) {
                    out.write(' ');
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException clientLeft) {
                // The client gave up on the answer, as it should.
            }
        }

        /** False at the end of the connection. */
        private static boolean readRequest(InputStream in, List<String> acceptedEncodings) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            int length = 0;
            String accepted = "";
            for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).strip());
                } else if (lower.startsWith("accept-encoding:")) {
                    accepted = line.substring(16).strip();
                }
            }
            acceptedEncodings.add(accepted);
            in.readNBytes(length);
            return true;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            threads.shutdownNow();
        }
    }
}
