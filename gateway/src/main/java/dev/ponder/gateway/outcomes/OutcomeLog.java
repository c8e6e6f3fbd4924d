package dev.ponder.gateway.outcomes;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Writes outcomes to PostgreSQL off the request path. {@link #onOutcome} only enqueues into a bounded queue; one
 * writer thread drains it in batches of multi-row inserts. When a write fails (PostgreSQL down), the batch and every
 * later one go to a local append-only journal instead, so that order is kept and memory stays bounded; the writer
 * probes the database and, once it answers, replays the journal in order before writing anything new. Writes are
 * idempotent on the request id, so a batch written twice (a retry, a replay after a crash) never doubles a row.
 *
 * <p>The getters are the writer's metrics: queue depth, journal (spill) size, write latency, rows written.
 */
public final class OutcomeLog implements OutcomeListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutcomeLog.class);
    private static final int MAX_FAILED_REPLAYS = 3;
    // How long close() goes on writing to PostgreSQL before it journals the rest for the next start.
    private static final Duration CLOSE_WRITE_TIME = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final JdbcTemplate jdbc;
    private final OutcomeStore store;
    private final Journal journal;
    private final BlockingQueue<Outcome> queue;
    private final int batchSize;
    private final Duration probeInterval;
    private final Duration linger;
    private final Duration closeWriteTime;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong spilled = new AtomicLong();
    private volatile long journalBytes;
    private volatile double lastWriteMillis;
    private volatile double maxWriteMillis;
    private volatile boolean running = true;
    private volatile long closeDeadlineNanos;
    private long nextProbeNanos;
    private CompletableFuture<Void> probe;
    private int failedReplays;

    /**
     * @param journalDir where the journal lives while PostgreSQL is unreachable; this log takes a free slot of it for
     *     as long as it runs, and a journal an earlier run left in that slot is replayed first
     * @param probeInterval how often the writer checks whether PostgreSQL is back while it spills
     * @param linger how long the writer lets a batch fill after its first outcome: PostgreSQL's cost is mostly per
     *     statement and per transaction, so a busy gateway writing each outcome as it comes spends more of its CPU
     *     on the database than on the requests (zero writes at once)
     */
    public OutcomeLog(
            JdbcTemplate jdbc,
            Path journalDir,
            int queueCapacity,
            int batchSize,
            Duration probeInterval,
            Duration linger) {
        this(jdbc, journalDir, queueCapacity, batchSize, probeInterval, linger, CLOSE_WRITE_TIME);
    }

    /** As above, with how long {@link #close()} goes on writing before it journals the rest. */
    OutcomeLog(
            JdbcTemplate jdbc,
            Path journalDir,
            int queueCapacity,
            int batchSize,
            Duration probeInterval,
            Duration linger,
            Duration closeWriteTime) {
        this.jdbc = jdbc;
        this.store = new OutcomeStore(jdbc);
        this.journal = new Journal(journalDir);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.batchSize = batchSize;
        this.probeInterval = probeInterval;
        this.linger = linger;
        this.closeWriteTime = closeWriteTime;
        this.journalBytes = journal.size();
        this.writer = Thread.ofPlatform().name("ponder-outcome-writer").daemon().start(this::drain);
    }

    /** Enqueues an outcome; never blocks the request. A full queue drops it and counts the loss. */
    @Override
    public void onOutcome(Outcome outcome) {
        if (!queue.offer(outcome)) {
            long lost = dropped.incrementAndGet();
            if (Long.bitCount(lost) == 1) {
                log.warn("Outcome log queue is full: {} outcomes dropped so far", lost);
            }
        }
    }

    /** Outcomes waiting in memory for the writer. */
    public int queueDepth() {
        return queue.size();
    }

    /** Bytes in the local journal that PostgreSQL does not have yet; 0 when the database keeps up. */
    public long journalBytes() {
        return journalBytes;
    }

    /** Outcomes that went to the journal because PostgreSQL was unreachable, since start. */
    public long spilled() {
        return spilled.get();
    }

    /** Outcomes lost because the queue was full (the writer fell behind even its journal). */
    public long dropped() {
        return dropped.get();
    }

    /** Outcomes stored in PostgreSQL, directly or replayed from the journal, since start. */
    public long written() {
        return written.get();
    }

    /** Batches stored in PostgreSQL since start: {@link #written()} over this is the rows a write carries. */
    public long batches() {
        return batches.get();
    }

    /** How long the last batch write to PostgreSQL took, in milliseconds. */
    public double lastWriteMillis() {
        return lastWriteMillis;
    }

    /** The longest batch write to PostgreSQL since start, in milliseconds. */
    public double maxWriteMillis() {
        return maxWriteMillis;
    }

    private void drain() {
        List<Outcome> batch = new ArrayList<>(batchSize);
        while (running || !queue.isEmpty()) {
            try {
                if (running) {
                    replayWhenDue();
                }
                Outcome first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                if (running && linger.isPositive() && queue.size() < batchSize - 1) {
                    Thread.sleep(linger);
                }
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                List<OutcomeRecord> records = new ArrayList<>(batch.size());
                batch.forEach(o -> records.add(OutcomeRecord.of(o)));
                batch.clear();
                if (journalBytes > 0 || pastCloseDeadline() || !store(records)) {
                    spill(records);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("Outcome writer failed on a batch of {} outcomes; they are lost", batch.size(), e);
                batch.clear();
            }
        }
        if (journalBytes > 0 && !pastCloseDeadline()) {
            replay(false);
        }
    }

    private boolean pastCloseDeadline() {
        return !running && System.nanoTime() - closeDeadlineNanos > 0;
    }

    /** Writes to PostgreSQL; false (and logged) when it is unreachable or refuses. */
    private boolean store(List<OutcomeRecord> records) {
        long start = System.nanoTime();
        try {
            store.write(records);
        } catch (RuntimeException e) {
            log.warn(
                    "Outcome log write of {} rows failed, spilling to {}: {}",
                    records.size(),
                    journal.file(),
                    brief(e));
            nextProbeNanos = System.nanoTime() + probeInterval.toNanos();
            return false;
        }
        double ms = (System.nanoTime() - start) / 1e6;
        lastWriteMillis = ms;
        maxWriteMillis = Math.max(maxWriteMillis, ms);
        // The batch first: whoever sees its rows counted in written() (a test waiting for them) sees it counted too.
        batches.incrementAndGet();
        written.addAndGet(records.size());
        return true;
    }

    private void spill(List<OutcomeRecord> records) {
        try {
            journal.append(records);
            spilled.addAndGet(records.size());
        } catch (IOException e) {
            long lost = dropped.addAndGet(records.size());
            log.error("Outcome journal {} is not writable: {} outcomes lost so far", journal.file(), lost, e);
        }
        journalBytes = journal.size();
    }

    /** While there is a journal, replays it once a probe finds PostgreSQL answering (checked every probe interval). */
    private void replayWhenDue() {
        if (journalBytes > 0 && System.nanoTime() >= nextProbeNanos && databaseAnswers()) {
            replay(true);
        }
    }

    /**
     * Replays the journal in order. When PostgreSQL refuses rows although a probe just found it answering, that is the
     * data, not an outage: after a few tries the journal is set aside. A try without a probe (at close) does not count.
     */
    private void replay(boolean probed) {
        long before = journalBytes;
        try {
            journal.replay(batchSize, records -> {
                if (!store(records)) {
                    throw new Unreachable();
                }
            });
            log.info("Outcome log replayed {} journal bytes into PostgreSQL", before);
            failedReplays = 0;
        } catch (Unreachable e) {
            // PostgreSQL answered the probe yet refused the rows: after a few tries that is the data, not an outage,
            // and the journal is set aside so that it does not block the log for good.
            if (probed && ++failedReplays >= MAX_FAILED_REPLAYS) {
                setAside();
            }
        } catch (IOException | RuntimeException e) {
            log.error("Outcome journal {} cannot be read", journal.file(), e);
            setAside();
        }
        journalBytes = journal.size();
    }

    /** The root cause, shortened: a failed statement's message repeats the whole multi-row statement. */
    static String brief(Throwable e) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(e);
        String message = root.getClass().getSimpleName() + ": " + root.getMessage();
        return message.length() <= 200 ? message : message.substring(0, 200) + "...";
    }

    /**
     * Whether the last probe found PostgreSQL answering; starts one if none is under way. Probes run on their own
     * thread, so that the writer keeps spilling while a connection attempt to a dead server waits out its timeout.
     */
    private boolean databaseAnswers() {
        if (probe == null) {
            probe = CompletableFuture.runAsync(
                    () -> jdbc.queryForObject("SELECT 1", Integer.class), Thread::startVirtualThread);
            return false;
        }
        if (!probe.isDone()) {
            return false;
        }
        boolean up = !probe.isCompletedExceptionally();
        probe = null;
        if (!up) {
            nextProbeNanos = System.nanoTime() + probeInterval.toNanos();
        }
        return up;
    }

    private void setAside() {
        try {
            Path aside = journal.setAside();
            log.error(
                    "Outcome journal could not be replayed {} times; moved to {} for inspection", failedReplays, aside);
        } catch (IOException e) {
            log.error("Outcome journal {} could not be set aside", journal.file(), e);
        }
        failedReplays = 0;
        nextProbeNanos = System.nanoTime() + probeInterval.toNanos();
    }

    private static final class Unreachable extends RuntimeException {
        Unreachable() {
            super(null, null, false, false);
        }
    }

    /**
     * Stops taking new work and flushes what is queued: to PostgreSQL for a few seconds, then (or at once if
     * PostgreSQL is down) to the journal, which the next start replays. A backlog is not lost to a shutdown.
     */
    @Override
    public void close() {
        closeDeadlineNanos = System.nanoTime() + closeWriteTime.toNanos();
        running = false;
        try {
            writer.join(CLOSE_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!queue.isEmpty()) {
            log.warn("Outcome log closed with {} outcomes unwritten", queue.size());
        }
        try {
            journal.close();
        } catch (IOException e) {
            log.warn("Outcome journal {} could not release its slot: {}", journal.file(), e.toString());
        }
    }
}
