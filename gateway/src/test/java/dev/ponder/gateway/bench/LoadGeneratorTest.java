package dev.ponder.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoadGeneratorTest {

    @Test
    void streamsTimeTheFirstContentTokenAndTheWholeStreamFromWhenEachRequestWasDue() {
        try (MockLlmServer mock = MockLlmServer.start(Duration.ofMillis(100), 5, Duration.ofMillis(20))) {
            LoadGenerator.Result result = run(mock, true, 10, 100);

            assertThat(result.errors()).isEmpty();
            assertThat(result.ok()).isEqualTo(10);
            assertThat(result.ttft().p50()).isGreaterThanOrEqualTo(100);
            assertThat(result.latency().p50())
                    .isGreaterThanOrEqualTo(180)
                    .isGreaterThan(result.ttft().p50());
            assertThat(result.maxInFlight()).isGreaterThan(1);
        }
    }

    @Test
    void requestsDueBeyondTheInFlightLimitAreNotSentAndCountAsErrors() {
        try (MockLlmServer mock = MockLlmServer.start(Duration.ofMillis(500), 1, Duration.ZERO)) {
            LoadGenerator.Result result = run(mock, false, 5, 2);

            assertThat(result.ok()).isEqualTo(2);
            assertThat(result.errors()).containsOnlyKeys("not sent: 2 requests in flight (the generator's limit)");
            assertThat(result.errorCount()).isEqualTo(3);
            assertThat(result.maxInFlight()).isEqualTo(2);
        }
    }

    @Test
    void failuresAreCountedByKindAndLeftOutOfTheLatencies() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (LoadGenerator generator = new LoadGenerator()) {
            LoadGenerator.Result result = generator.run(new LoadGenerator.Load(
                    URI.create("http://127.0.0.1:" + closedPort + "/v1/chat/completions"),
                    "{}",
                    false,
                    100,
                    5,
                    Duration.ofSeconds(5),
                    100));

            assertThat(result.ok()).isZero();
            assertThat(result.errorCount()).isEqualTo(5);
            assertThat(result.errors()).hasSize(1);
            assertThat(result.errors().keySet().iterator().next()).startsWith("ConnectException");
            assertThat(result.latency().count()).isZero();
        }
    }

    @Test
    void keptAliveConnectionsAreReusedAndOnlyAsManyOpenedAsWereBusyAtOnce() {
        try (MockLlmServer mock = MockLlmServer.start(Duration.ZERO, 3, Duration.ZERO)) {
            LoadGenerator.Result result = run(mock, false, 20, 100);

            assertThat(result.ok()).isEqualTo(20);
            assertThat(result.errors()).isEmpty();
            // Not a fixed number: on a loaded machine the generator catches up after a stall by sending the requests
            // then due at once (open loop), and each of those needs a connection of its own.
            assertThat(result.connectionsOpened()).isLessThanOrEqualTo(result.maxInFlight());
            assertThat(result.harnessCpuMs()).isPositive();
        }
    }

    @ParameterizedTest(name = "says Connection: close = {0}")
    @ValueSource(booleans = {true, false})
    void aConnectionTheServerClosedAfterAnsweringIsNotReusedAndNoRequestFails(boolean saysClose) throws IOException {
        byte[] answer = ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + (saysClose ? "Connection: close\r\n" : "")
                        + "\r\n{}")
                .getBytes(StandardCharsets.US_ASCII);
        AtomicInteger answered = new AtomicInteger();
        try (StubServer server = new StubServer(socket -> {
                    Http1 in = new Http1(socket.getInputStream(), 1024);
                    Http1.Head head = in.readHead(null);
                    in.readBody(head, false, Http1.DISCARD);
                    // Counted before the answer leaves: once it has, the generator may finish and be checked.
                    answered.incrementAndGet();
                    socket.getOutputStream().write(answer);
                    if (saysClose) {
                        // Said it closes, yet keeps the socket open: a request reused on it would time out.
                        Thread.sleep(Duration.ofSeconds(10));
                    }
                    // and closes the connection
                });
                LoadGenerator generator = new LoadGenerator()) {
            LoadGenerator.Result result = generator.run(server.load(20, 6));

            assertThat(result.errors()).isEmpty();
            assertThat(result.ok()).isEqualTo(6);
            assertThat(answered).hasValue(6);
            assertThat(result.connectionsOpened()).isEqualTo(6);
        }
    }

    @Test
    void latencyRunsFromWhenEachRequestWasDueSoAStalledServerShowsInEveryRequestDueMeanwhile() throws IOException {
        // Nothing is answered until 400 ms after the first request arrived.
        AtomicLong stalledUntil = new AtomicLong();
        try (StubServer server = new StubServer(socket -> {
                    Http1 in = new Http1(socket.getInputStream(), 1024);
                    OutputStream out = socket.getOutputStream();
                    Http1.Head head;
                    while ((head = in.readHead(null)) != null) {
                        in.readBody(head, false, Http1.DISCARD);
                        stalledUntil.compareAndSet(
                                0, System.nanoTime() + Duration.ofMillis(400).toNanos());
                        long wait = stalledUntil.get() - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(Duration.ofNanos(wait));
                        }
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                });
                LoadGenerator generator = new LoadGenerator()) {
            // 10 requests due 20 ms apart, all answered when the stall ends.
            LoadGenerator.Result result = generator.run(server.load(50, 10));

            assertThat(result.ok()).isEqualTo(10);
            assertThat(result.latency().max()).isGreaterThanOrEqualTo(380);
            // Request i was due 20 i ms after the first, so it waited about 20 i ms less: the median one about 100.
            assertThat(result.latency().max() - result.latency().p50()).isBetween(60.0, 140.0);
        }
    }

    /** {@code requests} requests to the mock at 50 per second. */
    private static LoadGenerator.Result run(MockLlmServer mock, boolean stream, int requests, int inFlightLimit) {
        try (LoadGenerator generator = new LoadGenerator()) {
            return generator.run(new LoadGenerator.Load(
                    URI.create(mock.baseUrl() + "/chat/completions"),
                    "{\"model\":\"mock\",\"stream\":" + stream + "}",
                    stream,
                    50,
                    requests,
                    Duration.ofSeconds(10),
                    inFlightLimit));
        }
    }

    /** A server on 127.0.0.1 that hands each accepted connection to {@code handler} on a virtual thread. */
    private static final class StubServer implements AutoCloseable {
        interface Handler {
            void serve(Socket socket) throws IOException, InterruptedException;
        }

        private final ServerSocket server;

        StubServer(Handler handler) throws IOException {
            server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
            Thread.startVirtualThread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket socket = server.accept();
                        Thread.startVirtualThread(() -> {
                            try (socket) {
                                handler.serve(socket);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
                    } catch (IOException e) {
                        // closed: the test is over
                    }
                }
            });
        }

        LoadGenerator.Load load(double rate, int requests) {
            return new LoadGenerator.Load(
                    URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/chat/completions"),
                    "{}",
                    false,
                    rate,
                    requests,
                    Duration.ofSeconds(5),
                    100);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
