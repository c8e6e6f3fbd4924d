package dev.ponder.providers;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.BackendException.Action;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.ModelBackend;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.exception.AcquirePermissionCancelledException;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A backend behind Resilience4j: retries with exponential backoff and jitter (or the upstream's Retry-After) on
 * {@code RETRY} failures only, a circuit breaker, and a bulkhead capping concurrent calls. What reaches the caller
 * is never {@code RETRY}:
 *
 * <ul>
 *   <li>a caller's 4xx stays {@code GIVE_UP}, with the upstream status and message, and is not retried;
 *   <li>429, 5xx and reset connections are retried; once the attempts are spent, or when Retry-After asks for more
 *       than {@code max-retry-after}, they become {@code ESCALATE};
 *   <li>an open circuit, a full bulkhead, a timeout and a refused connection are {@code ESCALATE} at once;
 *   <li>a stream that fails after it delivered deltas is not retried (the caller has them): {@code ESCALATE}.
 * </ul>
 *
 * {@link #state()} shows the circuit, the bulkhead, the last error and the last {@link #probe()}.
 */
public final class GuardedBackend implements ModelBackend {

    private static final Set<String> HEALTHY_FAILURES = Set.of("cancelled", ReplayBackend.UNKNOWN_PROMPT);

    private final ModelBackend inner;
    private final UpstreamErrors errors;
    private final HealthProbe healthProbe;
    private final Clock clock;
    private final Retry retry;
    private final CircuitBreaker circuitBreaker;
    private final Bulkhead bulkhead;
    private final AtomicReference<Failure> lastError = new AtomicReference<>();
    private final AtomicReference<BackendState.Probe> lastProbe = new AtomicReference<>();

    private record Failure(String message, Instant at) {}

    GuardedBackend(
            ModelBackend inner,
            BackendSpec.Resilience resilience,
            UpstreamErrors errors,
            HealthProbe healthProbe,
            Clock clock) {
        this.inner = inner;
        this.errors = errors;
        this.healthProbe = healthProbe;
        this.clock = clock;
        String name = inner.info().name();
        this.retry = Retry.of(
                name,
                RetryConfig.<Object>custom()
                        .maxAttempts(resilience.maxAttempts())
                        .retryOnException(failure -> retriable(failure, resilience))
                        .intervalBiFunction(backoff(resilience))
                        .build());
        this.circuitBreaker = CircuitBreaker.of(
                name,
                CircuitBreakerConfig.custom()
                        .clock(clock)
                        .failureRateThreshold(resilience.failureRateThreshold())
                        .slidingWindowSize(resilience.slidingWindowSize())
                        .minimumNumberOfCalls(resilience.minimumCalls())
                        .waitDurationInOpenState(resilience.openDuration())
                        .permittedNumberOfCallsInHalfOpenState(resilience.halfOpenCalls())
                        // A caller's bad request or a cancelled call says nothing about the server's health.
                        .recordException(GuardedBackend::serverFailure)
                        .ignoreException(failure -> !serverFailure(failure))
                        .build());
        this.bulkhead = Bulkhead.of(
                name,
                BulkheadConfig.custom()
                        .maxConcurrentCalls(resilience.maxConcurrentCalls())
                        .maxWaitDuration(resilience.maxWaitForSlot())
                        .build());
    }

    @Override
    public BackendInfo info() {
        return inner.info();
    }

    @Override
    public ChatAnswer chat(ChatRequest request) {
        return guarded(() -> inner.chat(request));
    }

    @Override
    public ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
        AtomicBoolean delivered = new AtomicBoolean();
        return guarded(() -> {
            try {
                return inner.stream(request, delta -> {
                    delivered.set(true);
                    onDelta.accept(delta);
                });
            } catch (BackendException e) {
                if (e.action() == Action.RETRY && delivered.get()) {
                    // The caller already holds part of this answer; a second one would garble it.
                    throw escalated(e, "mid-stream, not retried");
                }
                throw e;
            }
        });
    }

    /** Checks the server now (a cheap request that costs no tokens) and records the result in {@link #state()}. */
    public BackendState.Probe probe() {
        Instant at = clock.instant();
        long start = System.nanoTime();
        BackendState.Probe result;
        try {
            healthProbe.check();
            result = new BackendState.Probe(true, at, Duration.ofNanos(System.nanoTime() - start), null);
        } catch (RuntimeException e) {
            result = new BackendState.Probe(
                    false,
                    at,
                    Duration.ofNanos(System.nanoTime() - start),
                    errors.map(e).getMessage());
        }
        lastProbe.set(result);
        return result;
    }

    public BackendState state() {
        CircuitBreaker.Metrics circuit = circuitBreaker.getMetrics();
        Bulkhead.Metrics slots = bulkhead.getMetrics();
        Failure failure = lastError.get();
        BackendInfo info = inner.info();
        return new BackendState(
                info.name(),
                info.type(),
                info.model(),
                circuitBreaker.getState().name(),
                circuit.getFailureRate(),
                circuit.getNumberOfBufferedCalls(),
                slots.getMaxAllowedConcurrentCalls() - slots.getAvailableConcurrentCalls(),
                slots.getAvailableConcurrentCalls(),
                slots.getMaxAllowedConcurrentCalls(),
                failure == null ? null : failure.message(),
                failure == null ? null : failure.at(),
                lastProbe.get());
    }

    private ChatAnswer guarded(Supplier<ChatAnswer> call) {
        Supplier<ChatAnswer> once = () -> {
            try {
                return bulkhead.executeSupplier(() -> circuitBreaker.executeSupplier(call));
            } catch (BulkheadFullException e) {
                throw errors.escalate("all " + bulkhead.getBulkheadConfig().getMaxConcurrentCalls() + " slots busy");
            } catch (CallNotPermittedException e) {
                throw errors.escalate("circuit open");
            } catch (AcquirePermissionCancelledException e) {
                // Interrupted while queueing for a slot: the caller gave up, as on any other interrupt.
                throw errors.map(new UpstreamCall.Interrupted(new InterruptedException(e.getMessage())));
            }
        };
        try {
            return retry.executeSupplier(once);
        } catch (BackendException e) {
            remember(e);
            if (e.action() == Action.RETRY) {
                throw escalated(e, "retries exhausted");
            }
            throw e;
        }
    }

    /** A transient failure the guard will not retry, as the caller should treat it: move on to another tier. */
    private static BackendException escalated(BackendException e, String why) {
        return new BackendException(
                Action.ESCALATE, e.getMessage() + " (" + why + ")", e.httpStatus(), e.errorType(), e.retryAfter(), e);
    }

    private void remember(BackendException e) {
        if (e.failure() != BackendException.Failure.REJECTED) {
            lastError.set(new Failure(e.getMessage(), clock.instant()));
        }
    }

    private static boolean retriable(Throwable failure, BackendSpec.Resilience resilience) {
        return failure instanceof BackendException e
                && e.action() == Action.RETRY
                && (e.retryAfter() == null || e.retryAfter().compareTo(resilience.maxRetryAfter()) <= 0);
    }

    /**
     * Failures that say the server is unwell; a bad request, one this backend's protocol cannot take, a cancelled
     * call or an unknown replay prompt do not.
     */
    private static boolean serverFailure(Throwable failure) {
        return failure instanceof BackendException e
                && e.failure() != BackendException.Failure.REJECTED
                && (e.errorType() == null || !HEALTHY_FAILURES.contains(e.errorType()));
    }

    /** Retry-After when the upstream sent one; else initial x 2^(n-1), capped, times a jitter in [0.5, 1.5). */
    private static IntervalBiFunction<Object> backoff(BackendSpec.Resilience resilience) {
        return (attempt, outcome) -> {
            if (outcome.isLeft() && outcome.getLeft() instanceof BackendException e && e.retryAfter() != null) {
                return e.retryAfter().toMillis();
            }
            double exponential = resilience.initialBackoff().toMillis() * Math.pow(2, attempt - 1);
            double capped = Math.min(exponential, resilience.maxBackoff().toMillis());
            return (long) (capped * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
        };
    }

    /** A cheap check that the server is up, without generating tokens. Throws when it is not. */
    @FunctionalInterface
    interface HealthProbe {
        void check();
    }
}
