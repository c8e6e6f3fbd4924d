package dev.ponder.gateway.api;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code ponder.api.*}: the largest request body the API accepts (a larger one gets 413), how many {@code /v1}
 * requests may be in flight at once, and how many more may wait for one of those places, for how long (past either,
 * 503 rather than queueing until memory runs out). Unset, the in-flight limit follows the heap: one request per
 * {@link #HEAP_PER_REQUEST} of the maximum heap; the queue admits half as many again (a waiting request held about
 * 75 KiB of heap, half of one being processed, and the in-flight budget already leaves only the collector's headroom).
 */
@ConfigurationProperties("ponder.api")
record ApiProperties(DataSize maxBodySize, Integer maxInFlight, Integer maxQueued, Duration maxQueueWait) {

    /**
     * The heap budgeted per request in flight: streams against a slow backend held about 140 KiB of heap each at their
     * peak (Tomcat's socket and header buffers, the upstream connection's, virtual-thread stacks), and 3,000 of them
     * in a 512 MiB heap already ran from one full GC to the next (docs/benchmarks.md); so about twice that, for the
     * collector's headroom. With {@code -Xmx512m} that allows 2,048 requests.
     */
    static final DataSize HEAP_PER_REQUEST = DataSize.ofKilobytes(256);

    ApiProperties {
        maxInFlight = maxInFlight == null ? fromHeap(Runtime.getRuntime().maxMemory()) : maxInFlight;
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("ponder.api.max-in-flight must be >= 1 but was " + maxInFlight);
        }
        maxQueued = maxQueued == null ? maxInFlight / 2 : maxQueued;
        if (maxQueued < 0) {
            throw new IllegalArgumentException("ponder.api.max-queued must be >= 0 but was " + maxQueued);
        }
        maxQueueWait = maxQueueWait == null ? Duration.ofSeconds(20) : maxQueueWait;
        if (maxQueueWait.isNegative()) {
            throw new IllegalArgumentException(
                    "ponder.api.max-queue-wait must not be negative but was " + maxQueueWait);
        }
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(4) : maxBodySize;
        if (maxBodySize.toBytes() < 1) {
            throw new IllegalArgumentException("ponder.api.max-body-size must be positive but was " + maxBodySize);
        }
    }

    /** The default limit for a JVM whose maximum heap is {@code maxHeapBytes}: at least 100. */
    static int fromHeap(long maxHeapBytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(100, maxHeapBytes / HEAP_PER_REQUEST.toBytes()));
    }
}
