package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.BackendException.Action;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The resilience rules, against a scripted backend: what is retried, the circuit, the bulkhead, the state. */
class GuardedBackendTest {

    private static final ChatRequest REQUEST = ChatRequest.of(List.of(ChatMessage.of(Role.USER, "hi")));
    private static final ChatAnswer ANSWER = new ChatAnswer("m", "ok", null, null, null, null, 0, null);

    private final MutableClock clock = new MutableClock();
    private final Scripted inner = new Scripted();

    @Test
    void opensTheCircuitOnFailuresRejectsCallsWhileOpenAndClosesAfterGoodTrialCalls() {
        GuardedBackend backend =
                guard(new BackendSpec.Resilience(1, null, null, null, null, null, 50, 4, 4, Duration.ofSeconds(30), 2));
        inner.next(() -> ANSWER, () -> ANSWER, this::serverError, this::serverError);
        for (int i = 0; i < 4; i++) {
            callIgnoringFailure(backend);
        }
        assertThat(backend.state().circuit()).isEqualTo("OPEN");
        assertThat(backend.state().failureRate()).isEqualTo(50);

        assertThatThrownBy(() -> backend.chat(REQUEST)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.getMessage()).contains("circuit open");
        });
        assertThat(inner.calls.get()).isEqualTo(4);

        clock.advance(Duration.ofSeconds(31));
        inner.next(() -> ANSWER, () -> ANSWER);
        backend.chat(REQUEST);
        assertThat(backend.state().circuit()).isEqualTo("HALF_OPEN");
        backend.chat(REQUEST);
        assertThat(backend.state().circuit()).isEqualTo("CLOSED");
    }

    @Test
    void aCallersBadRequestNeitherRetriesNorCountsAgainstTheCircuit() {
        GuardedBackend backend =
                guard(new BackendSpec.Resilience(3, null, null, null, null, null, 50, 2, 2, null, null));
        BackendException badRequest =
                new BackendException(Action.GIVE_UP, "bad", 400, "invalid_request_error", null, null);
        inner.next(() -> {
            throw badRequest;
        });
        inner.next(() -> {
            throw badRequest;
        });

        assertThatThrownBy(() -> backend.chat(REQUEST)).isSameAs(badRequest);
        assertThatThrownBy(() -> backend.chat(REQUEST)).isSameAs(badRequest);

        assertThat(inner.calls.get()).isEqualTo(2);
        assertThat(backend.state().circuit()).isEqualTo("CLOSED");
        assertThat(backend.state().lastError()).isNull();
    }

    @Test
    void retriesTransientFailuresAndRemembersTheLastError() {
        GuardedBackend backend = guard(new BackendSpec.Resilience(
                3, Duration.ofMillis(1), null, null, null, null, null, null, null, null, null));
        inner.next(this::serverError, this::serverError, this::serverError);

        assertThatThrownBy(() -> backend.chat(REQUEST)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.getMessage()).endsWith("(retries exhausted)");
        });

        assertThat(inner.calls.get()).isEqualTo(3);
        assertThat(backend.state().lastError()).contains("HTTP 503");
        assertThat(backend.state().lastErrorAt()).isEqualTo(clock.instant());
    }

    @Test
    void theBulkheadFailsFastWhenFullSoTheCascadeCanSkipTheTier() throws InterruptedException {
        GuardedBackend backend =
                guard(new BackendSpec.Resilience(1, null, 2, Duration.ZERO, null, null, null, null, null, null, null));
        Semaphore release = new Semaphore(0);
        CountDownLatch bothIn = new CountDownLatch(2);
        inner.whenCalled(() -> {
            bothIn.countDown();
            release.acquireUninterruptibly();
            return ANSWER;
        });
        List<Thread> holders = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            holders.add(Thread.ofVirtual().start(() -> backend.chat(REQUEST)));
        }
        assertThat(bothIn.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(backend.state().callsInFlight()).isEqualTo(2);
        assertThat(backend.state().availablePermits()).isZero();

        assertThatThrownBy(() -> backend.chat(REQUEST)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.getMessage()).contains("slots busy");
        });

        release.release(2);
        for (Thread holder : holders) {
            holder.join();
        }
        assertThat(inner.calls.get()).isEqualTo(2);
    }

    @Test
    void aCallerInterruptedWhileQueueingForASlotGetsACancelledEscalation() throws InterruptedException {
        GuardedBackend backend = guard(new BackendSpec.Resilience(
                1, null, 1, Duration.ofSeconds(30), null, null, null, null, null, null, null));
        Semaphore release = new Semaphore(0);
        CountDownLatch holding = new CountDownLatch(1);
        inner.whenCalled(() -> {
            holding.countDown();
            release.acquireUninterruptibly();
            return ANSWER;
        });
        Thread holder = Thread.ofVirtual().start(() -> backend.chat(REQUEST));
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Thread queued = Thread.ofVirtual().start(() -> {
            try {
                backend.chat(REQUEST);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        });
        Thread.sleep(100);

        queued.interrupt();
        queued.join();

        assertThat(failures).singleElement().isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.errorType()).isEqualTo("cancelled");
        });
        release.release();
        holder.join();
    }

    @Test
    void theBulkheadQueuesUpToMaxWaitForSlotAndNeverExceedsItsCap() throws InterruptedException {
        GuardedBackend backend = guard(new BackendSpec.Resilience(
                1, null, 2, Duration.ofSeconds(10), null, null, null, null, null, null, null));
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        inner.whenCalled(() -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            sleep(Duration.ofMillis(50));
            inFlight.decrementAndGet();
            return ANSWER;
        });
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            callers.add(Thread.ofVirtual().start(() -> {
                try {
                    backend.chat(REQUEST);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread caller : callers) {
            caller.join();
        }

        assertThat(failures).isEmpty();
        assertThat(inner.calls.get()).isEqualTo(6);
        assertThat(peak.get()).isEqualTo(2);
    }

    private GuardedBackend guard(BackendSpec.Resilience resilience) {
        return new GuardedBackend(inner, resilience, new UpstreamErrors("stub", null, clock), () -> {}, clock);
    }

    private ChatAnswer serverError() {
        throw new BackendException(Action.RETRY, "backend 'stub': HTTP 503 server_error", 503, null, null, null);
    }

    private static void callIgnoringFailure(ModelBackend backend) {
        try {
            backend.chat(REQUEST);
        } catch (BackendException ignored) {
            // Only the circuit's count matters here.
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A backend that plays queued outcomes in order, then a default one. */
    private static final class Scripted implements ModelBackend {
        private final ConcurrentLinkedQueue<Supplier<ChatAnswer>> script = new ConcurrentLinkedQueue<>();
        private final AtomicInteger calls = new AtomicInteger();
        private volatile Supplier<ChatAnswer> otherwise = () -> ANSWER;

        @SafeVarargs
        final void next(Supplier<ChatAnswer>... outcomes) {
            script.addAll(List.of(outcomes));
        }

        void whenCalled(Supplier<ChatAnswer> outcome) {
            otherwise = outcome;
        }

        @Override
        public BackendInfo info() {
            return new BackendInfo("stub", "stub", "m", null, null);
        }

        @Override
        public ChatAnswer chat(ChatRequest request) {
            calls.incrementAndGet();
            Supplier<ChatAnswer> outcome = script.poll();
            return (outcome != null ? outcome : otherwise).get();
        }
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
