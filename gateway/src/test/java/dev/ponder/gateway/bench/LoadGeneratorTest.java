package dev.ponder.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

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
}
