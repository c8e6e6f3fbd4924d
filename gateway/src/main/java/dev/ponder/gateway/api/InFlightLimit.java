package dev.ponder.gateway.api;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounds the work Ponder holds: with virtual threads nothing else bounds how many requests it processes, and past its
 * capacity every one slows the others until the heap runs out. At most {@code ponder.api.max-in-flight} {@code /v1}
 * requests are processed at once (streams included: they are written on the request's thread). A burst beyond that
 * waits, in order of arrival, for a place: at most {@code ponder.api.max-queued} requests, each at most
 * {@code ponder.api.max-queue-wait}. A waiting request has not had its body read and holds no upstream connection,
 * so it costs a fraction of one being processed (docs/benchmarks.md). Past either bound, 503
 * {@code server_overloaded} with Retry-After, as OpenAI answers when it is overloaded, so a client backs off or goes
 * elsewhere.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class InFlightLimit extends OncePerRequestFilter {

    private static final ApiException OVERLOADED = new ApiException(
            503,
            "server_error",
            null,
            "server_overloaded",
            "Ponder is at its limit of concurrent requests; retry after a moment.",
            Duration.ofSeconds(1));

    private final Semaphore permits;
    private final AtomicInteger queued = new AtomicInteger();
    private final int maxQueued;
    private final long maxWaitNanos;
    private final JsonMapper json;

    InFlightLimit(ApiProperties properties, JsonMapper json, MeterRegistry registry) {
        // Fair, so that the longest-waiting request gets the next free place and no request waits behind later ones.
        this.permits = new Semaphore(properties.maxInFlight(), true);
        this.maxQueued = properties.maxQueued();
        this.maxWaitNanos = properties.maxQueueWait().toNanos();
        this.json = json;
        int maxInFlight = properties.maxInFlight();
        Gauge.builder("ponder.api.requests.in.flight", permits, p -> maxInFlight - p.availablePermits())
                .description("/v1 requests being processed")
                .register(registry);
        Gauge.builder("ponder.api.requests.queued", permits, Semaphore::getQueueLength)
                .description("/v1 requests waiting for a place (ponder.api.max-queued)")
                .register(registry);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // The decoded path, as the controllers' mapping sees it: by the raw URI, /%761/chat/completions was unbounded.
        return !RequestIds.path(request).startsWith("/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!admitted()) {
            ErrorResponses.write(response, OVERLOADED, json);
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            permits.release();
        }
    }

    /** Takes a place at once or after waiting for one; false when the queue is full or the wait ran out. */
    private boolean admitted() {
        try {
            // Not tryAcquire(): it would take a place freed for a request already waiting.
            if (permits.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                return true;
            }
            if (queued.incrementAndGet() > maxQueued) {
                queued.decrementAndGet();
                return false;
            }
            try {
                return permits.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS);
            } finally {
                queued.decrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Requests waiting for a place now. */
    int queued() {
        return permits.getQueueLength();
    }
}
