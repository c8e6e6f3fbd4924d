package dev.ponder.gateway.observability;

import dev.ponder.providers.BackendState;
import dev.ponder.providers.GuardedBackend;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Each backend's health as gauges read from {@link GuardedBackend#state()} at scrape time: the circuit breaker's state
 * (one series per state, 1 for the current one), calls in flight, free bulkhead slots, the failure rate, and whether
 * the last health probe found the server up.
 */
final class BackendMetrics implements MeterBinder {

    /** Resilience4j's circuit states, as {@link BackendState#circuit()} names them. */
    static final List<String> CIRCUIT_STATES =
            List.of("CLOSED", "OPEN", "HALF_OPEN", "DISABLED", "FORCED_OPEN", "METRICS_ONLY");

    private final Map<String, GuardedBackend> backends;

    BackendMetrics(Map<String, GuardedBackend> backends) {
        this.backends = Map.copyOf(backends);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        backends.forEach((name, backend) -> {
            for (String circuit : CIRCUIT_STATES) {
                gauge("ponder.backend.circuit.state", name, backend, s -> circuit.equals(s.circuit()) ? 1 : 0)
                        .description("1 for the backend's current circuit breaker state, 0 for the others")
                        .tag("state", circuit.toLowerCase(Locale.ROOT))
                        .register(registry);
            }
            gauge("ponder.backend.calls.in.flight", name, backend, BackendState::callsInFlight)
                    .description("Calls holding a bulkhead slot now")
                    .register(registry);
            gauge("ponder.backend.available.permits", name, backend, BackendState::availablePermits)
                    .description("Free bulkhead slots")
                    .register(registry);
            gauge("ponder.backend.failure.rate", name, backend, BackendState::failureRate)
                    .description("Percentage of recent calls that failed; -1 until enough calls were made")
                    .register(registry);
            gauge("ponder.backend.up", name, backend, BackendMetrics::up)
                    .description("1 if the last health probe found the backend healthy, 0 if not, NaN before one")
                    .register(registry);
        });
    }

    private static Gauge.Builder<GuardedBackend> gauge(
            String meter, String name, GuardedBackend backend, ToDoubleFunction<BackendState> f) {
        return Gauge.builder(meter, backend, b -> f.applyAsDouble(b.state())).tag("backend", name);
    }

    private static double up(BackendState state) {
        if (state.lastProbe() == null) {
            return Double.NaN;
        }
        return state.lastProbe().healthy() ? 1 : 0;
    }
}
