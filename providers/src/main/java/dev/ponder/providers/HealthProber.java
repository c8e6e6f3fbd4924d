package dev.ponder.providers;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes backends on a schedule, so that {@link GuardedBackend#state()} shows whether each server is up before a
 * request finds out. Each probe runs on its own virtual thread: a hanging server delays only its own probe. Close it
 * to stop probing.
 */
public final class HealthProber implements AutoCloseable {

    private final ScheduledExecutorService scheduler;

    /** Probes every backend now, then every {@code interval}. */
    public HealthProber(List<GuardedBackend> backends, Duration interval) {
        Objects.requireNonNull(backends, "backends");
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("probe interval must be positive but was " + interval);
        }
        List<GuardedBackend> probed = List.copyOf(backends);
        Set<GuardedBackend> inFlight = ConcurrentHashMap.newKeySet();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("ponder-health-prober").daemon().factory());
        scheduler.scheduleWithFixedDelay(
                () -> {
                    for (GuardedBackend backend : probed) {
                        // A server slower than the interval gets one probe at a time, not a pile of them.
                        if (inFlight.add(backend)) {
                            Thread.ofVirtual()
                                    .name("probe-" + backend.info().name())
                                    .start(() -> {
                                        try {
                                            backend.probe();
                                        } finally {
                                            inFlight.remove(backend);
                                        }
                                    });
                        }
                    }
                },
                0,
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
