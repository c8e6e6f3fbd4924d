package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.FilterChain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/** A burst over the in-flight limit waits, bounded in number and time, instead of being refused at once. */
class InFlightLimitQueueTest {

    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> served = new ArrayList<>();

    /** Stands for the rest of the request: the first one holds its place until {@link #release} opens. */
    private final FilterChain slowThenFast = (request, response) -> {
        String name = request.getParameter("name");
        if (name.equals("slow")) {
            holding.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (served) {
            served.add(name);
        }
    };

    @AfterEach
    void letTheSlowOneGo() {
        release.countDown();
    }

    @Test
    void aRequestOverTheLimitWaitsForAPlaceAndIsServedOnceOneIsFree() throws Exception {
        InFlightLimit limit = limit(1, 1, Duration.ofSeconds(10));
        CompletableFuture<MockHttpServletResponse> slow = send(limit, "slow");
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<MockHttpServletResponse> waiting = send(limit, "waiting");
        awaitQueued(limit, 1);

        assertThat(waiting).isNotDone();
        release.countDown();

        assertThat(waiting.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(slow.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(served).containsExactly("slow", "waiting");
    }

    @Test
    void aRequestThatWaitsLongerThanTheMaximumIsRefusedWith503AndRetryAfter() throws Exception {
        InFlightLimit limit = limit(1, 1, Duration.ofMillis(200));
        send(limit, "slow");
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        MockHttpServletResponse refused = send(limit, "waiting").get(10, TimeUnit.SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertOverloaded(refused);
        assertThat(limit.queued()).isZero();
    }

    @Test
    void aRequestBeyondAFullQueueIsRefusedAtOnce() throws Exception {
        InFlightLimit limit = limit(1, 1, Duration.ofSeconds(10));
        send(limit, "slow");
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<MockHttpServletResponse> waiting = send(limit, "waiting");
        awaitQueued(limit, 1);

        MockHttpServletResponse refused = send(limit, "third").get(10, TimeUnit.SECONDS);

        assertOverloaded(refused);
        assertThat(waiting).isNotDone();
        release.countDown();
        assertThat(waiting.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    }

    @Test
    void waitingRequestsAreServedInTheOrderTheyArrived() throws Exception {
        InFlightLimit limit = limit(1, 5, Duration.ofSeconds(10));
        send(limit, "slow");
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<MockHttpServletResponse>> waiting = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            waiting.add(send(limit, "w" + i));
            awaitQueued(limit, i);
        }

        release.countDown();
        for (CompletableFuture<MockHttpServletResponse> each : waiting) {
            assertThat(each.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }

        assertThat(served).containsExactly("slow", "w1", "w2", "w3", "w4");
    }

    private InFlightLimit limit(int maxInFlight, int maxQueued, Duration maxWait) {
        return new InFlightLimit(
                new ApiProperties(null, maxInFlight, maxQueued, maxWait),
                JsonMapper.builder().build(),
                new SimpleMeterRegistry());
    }

    private CompletableFuture<MockHttpServletResponse> send(InFlightLimit limit, String name) {
        CompletableFuture<MockHttpServletResponse> result = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            MockHttpServletRequest request = new MockHttpServletRequest("POST", "/v1/chat/completions");
            request.setParameter("name", name);
            MockHttpServletResponse response = new MockHttpServletResponse();
            try {
                limit.doFilter(request, response, slowThenFast);
                result.complete(response);
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static void awaitQueued(InFlightLimit limit, int queued) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (limit.queued() < queued && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static void assertOverloaded(MockHttpServletResponse response) throws Exception {
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeader("Retry-After")).isEqualTo("1");
        assertThat(JsonMapper.builder()
                        .build()
                        .readTree(response.getContentAsString())
                        .path("error")
                        .path("code")
                        .asString())
                .isEqualTo("server_overloaded");
    }
}
