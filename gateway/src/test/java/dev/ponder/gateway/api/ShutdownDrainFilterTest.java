package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.DelegatingServletOutputStream;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The drain's hand-over to the server's stop, which follows at once: what a request wrote is on the wire when the
 * drain ends, and a cut request writes its answer without the interrupt that cut it (which closes the connection).
 */
class ShutdownDrainFilterTest {

    private final ShutdownDrain drain = new ShutdownDrain(Duration.ofMillis(200), JsonMapper.shared());

    @Test
    void anAnswerFinishedDuringTheDrainIsSentBeforeTheDrainEnds() throws Exception {
        drain.start();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EndingResponse response = new EndingResponse();
        CompletableFuture<Void> request = onItsOwnThread(() -> serve(response, (req, res) -> {
            entered.countDown();
            await(release);
            res.getOutputStream().write("{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
        }));
        entered.await(5, TimeUnit.SECONDS);

        CompletableFuture<Void> stop = beginDrain();
        release.countDown();
        stop.get(5, TimeUnit.SECONDS);

        assertThat(response.ended)
                .as("the answer was ended, not left in the container's buffer, before the server could stop")
                .isTrue();
        assertThat(response.getContentAsString()).isEqualTo("{\"ok\":true}");
        request.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRequestCutAtTheEndOfTheDrainKnowsItAndNoLongerCarriesTheInterrupt() throws Exception {
        drain.start();
        AtomicBoolean toldCut = new AtomicBoolean();
        AtomicBoolean interruptedAfter = new AtomicBoolean(true);
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<Void> request = onItsOwnThread(() -> serve(new MockHttpServletResponse(), (r, s) -> {
            entered.countDown();
            // A backend read that the interrupt ends without clearing it, as an interrupted virtual thread's
            // socket.
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            toldCut.set(drain.cutThisRequest());
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        }));
        entered.await(5, TimeUnit.SECONDS);

        drain.stop();

        request.get(5, TimeUnit.SECONDS);
        assertThat(toldCut).isTrue();
        assertThat(interruptedAfter).as("the thread is still interrupted").isFalse();
    }

    @Test
    void aRequestThatAskedForItsCutAsACallIsToldSoAndNeverInterrupted() throws Exception {
        drain.start();
        CountDownLatch told = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean(true);
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<Void> request = onItsOwnThread(() -> serve(new MockHttpServletResponse(), (r, s) -> {
            drain.onCut(told::countDown);
            entered.countDown();
            // A stream writing to its client when the cut comes: an interrupt now would close the connection.
            await(told);
            interrupted.set(Thread.currentThread().isInterrupted());
        }));
        entered.await(5, TimeUnit.SECONDS);

        drain.stop();

        request.get(5, TimeUnit.SECONDS);
        assertThat(told.getCount()).isZero();
        assertThat(interrupted).as("the stream's thread was interrupted").isFalse();
    }

    /**
     * A request refused while the drain ends is not cut with those in progress: interrupted, its 503 was written on a
     * closing connection, and the test thread refusing one was left interrupted (seen under load).
     */
    @Test
    void aRequestRefusedWhenTheDrainCutsIsNotInterrupted() throws Exception {
        drain.start();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch wasCut = new CountDownLatch(1);
        CompletableFuture<Void> inProgress = runsUntilCut(entered, wasCut);
        entered.await(5, TimeUnit.SECONDS);
        CompletableFuture<Void> stop = beginDrain();

        // Still writing its 503 when the drain runs out and cuts.
        AtomicBoolean interruptedWhileRefused = new AtomicBoolean();
        MockHttpServletResponse refused = new MockHttpServletResponse() {
            @Override
            public void setHeader(String name, String value) {
                while (wasCut.getCount() > 0) {
                    Thread.onSpinWait();
                }
                interruptedWhileRefused.set(Thread.currentThread().isInterrupted());
                super.setHeader(name, value);
            }
        };
        onItsOwnThread(() -> serve(refused, (r, s) -> {})).get(5, TimeUnit.SECONDS);

        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(interruptedWhileRefused).isFalse();
        inProgress.get(5, TimeUnit.SECONDS);
        stop.get(5, TimeUnit.SECONDS);
    }

    /** A whole answer still being written when the drain runs out is passed by, as a refusal is. */
    @Test
    void anAnswerBeingEndedWhenTheDrainCutsIsNotInterrupted() throws Exception {
        drain.start();
        CountDownLatch entered = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch wasCut = new CountDownLatch(1);
        CompletableFuture<Void> slow = runsUntilCut(entered, wasCut);
        AtomicBoolean interruptedWhileEnding = new AtomicBoolean();
        MockHttpServletResponse ending = new MockHttpServletResponse() {
            @Override
            public ServletOutputStream getOutputStream() {
                return new DelegatingServletOutputStream(super.getOutputStream()) {
                    @Override
                    public void close() throws IOException {
                        while (wasCut.getCount() > 0) {
                            Thread.onSpinWait();
                        }
                        interruptedWhileEnding.set(Thread.currentThread().isInterrupted());
                        super.close();
                    }
                };
            }
        };
        CompletableFuture<Void> answered = onItsOwnThread(() -> serve(ending, (r, s) -> {
            entered.countDown();
            await(release);
        }));
        entered.await(5, TimeUnit.SECONDS);
        CompletableFuture<Void> stop = beginDrain();

        release.countDown();

        slow.get(5, TimeUnit.SECONDS);
        answered.get(5, TimeUnit.SECONDS);
        stop.get(5, TimeUnit.SECONDS);
        assertThat(interruptedWhileEnding).isFalse();
    }

    @Test
    void aCutRequestThatNeverAskedLeavesTheDrainWithoutTheInterrupt() throws Exception {
        drain.start();
        AtomicBoolean interruptedAfter = new AtomicBoolean(true);
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<Void> request = onItsOwnThread(() -> {
            serve(new MockHttpServletResponse(), (r, s) -> {
                entered.countDown();
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
            });
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        entered.await(5, TimeUnit.SECONDS);

        drain.stop();

        request.get(5, TimeUnit.SECONDS);
        assertThat(interruptedAfter)
                .as("the container would write the answer with the interrupt set")
                .isFalse();
    }

    @Test
    void aRequestRefusedDuringTheDrainHasItsAnswerEndedBeforeItLeaves() throws Exception {
        drain.start();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> held = onItsOwnThread(() -> serve(new MockHttpServletResponse(), (r, s) -> {
            entered.countDown();
            await(release);
        }));
        entered.await(5, TimeUnit.SECONDS);
        CompletableFuture<Void> stop = beginDrain();
        EndingResponse refused = new EndingResponse();

        serve(refused, (r, s) -> {});

        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.ended).as("the refusal left the container's buffer").isTrue();
        release.countDown();
        stop.get(5, TimeUnit.SECONDS);
        held.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aRequestNotCutIsNotToldItWas() throws Exception {
        drain.start();
        AtomicBoolean toldCut = new AtomicBoolean(true);

        serve(new MockHttpServletResponse(), (r, s) -> toldCut.set(drain.cutThisRequest()));

        assertThat(toldCut).isFalse();
    }

    /** A request whose backend call runs until the drain cuts it; it counts down {@code wasCut} once it knows. */
    private CompletableFuture<Void> runsUntilCut(CountDownLatch entered, CountDownLatch wasCut) {
        return onItsOwnThread(() -> serve(new MockHttpServletResponse(), (r, s) -> {
            entered.countDown();
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            drain.cutThisRequest();
            wasCut.countDown();
        }));
    }

    /** Starts the drain on a thread of its own and returns once it refuses new requests. */
    private CompletableFuture<Void> beginDrain() {
        CompletableFuture<Void> stop = onItsOwnThread(drain::stop);
        while (refusalOfANewRequest() != 503) {
            Thread.onSpinWait();
        }
        return stop;
    }

    /** The status a new request gets now: 503 once the drain has begun. */
    private int refusalOfANewRequest() {
        MockHttpServletResponse response = new MockHttpServletResponse();
        serve(response, (r, s) -> ((jakarta.servlet.http.HttpServletResponse) s).setStatus(200));
        return response.getStatus();
    }

    private void serve(MockHttpServletResponse response, jakarta.servlet.FilterChain chain) {
        try {
            drain.doFilter(new MockHttpServletRequest("POST", "/v1/chat/completions"), response, chain);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tells whether its answer was ended: in the container, closing the stream sends the rest, then the end. */
    private static final class EndingResponse extends MockHttpServletResponse {

        private volatile boolean ended;

        @Override
        public ServletOutputStream getOutputStream() {
            return new DelegatingServletOutputStream(super.getOutputStream()) {
                @Override
                public void close() throws IOException {
                    super.close();
                    ended = true;
                }
            };
        }
    }

    /** The common pool may have one thread on a small machine: the request and the drain must run side by side. */
    private static CompletableFuture<Void> onItsOwnThread(Runnable task) {
        return CompletableFuture.runAsync(task, runnable -> Thread.ofPlatform().start(runnable));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
