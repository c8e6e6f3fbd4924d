package dev.ponder.providers;

import java.time.Duration;
import java.time.Instant;

/**
 * A backend's health as metrics and the admin endpoint show it. Holds no secrets: error texts are redacted.
 *
 * @param circuit the circuit breaker's state: {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN} (or another
 *     Resilience4j state name)
 * @param failureRate the percentage of recent calls that failed, or -1 until enough calls were made
 * @param bufferedCalls the calls the failure rate is computed over
 * @param callsInFlight calls holding a bulkhead slot now
 * @param availablePermits free bulkhead slots
 * @param lastError the last failure's redacted message, or null
 * @param lastErrorAt when it happened, or null
 * @param lastProbe the last health probe, or null before the first
 */
public record BackendState(
        String name,
        String type,
        String model,
        String circuit,
        double failureRate,
        int bufferedCalls,
        int callsInFlight,
        int availablePermits,
        int maxConcurrentCalls,
        String lastError,
        Instant lastErrorAt,
        Probe lastProbe) {

    /** One health probe: whether the server answered as healthy, when, how fast, and what it said if not. */
    public record Probe(boolean healthy, Instant at, Duration latency, String detail) {}
}
