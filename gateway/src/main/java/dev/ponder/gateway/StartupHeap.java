package dev.ponder.gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Moves what start-up built into the old generation before the first request. The Spring context, the router model
 * and the replay data are some 25 MiB that live as long as the process; left young, they are copied from one survivor
 * space to the other by each of the first fifteen or so young collections, pauses of 20-60 ms instead of 2-3 ms in
 * the first minute of traffic (docs/benchmarks.md, fifth session). One full collection before readiness promotes them
 * at once; {@code -XX:+DisableExplicitGC} turns it off.
 */
@Component
class StartupHeap {

    private static final Logger log = LoggerFactory.getLogger(StartupHeap.class);

    // Spring publishes readiness (ACCEPTING_TRAFFIC) only after the ApplicationReadyEvent listeners have returned.
    @EventListener(ApplicationReadyEvent.class)
    void promote() {
        long start = System.nanoTime();
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        log.info(
                "Start-up heap promoted before traffic in {} ms: {} MiB in use of {} MiB",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                heap.getUsed() >> 20,
                heap.getCommitted() >> 20);
    }
}
