package dev.ponder.gateway.outcomes;

import dev.ponder.cascade.Attempt;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Writes outcomes to PostgreSQL off the request path: {@link #onOutcome} only enqueues; one writer thread drains the
 * bounded queue in batches of multi-row inserts. Inserts are idempotent on the request id, so a batch retried after
 * a failure never doubles a row.
 */
public final class OutcomeLog implements OutcomeListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutcomeLog.class);

    private final JdbcTemplate jdbc;
    private final BlockingQueue<Outcome> queue;
    private final int batchSize;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private volatile boolean running = true;

    public OutcomeLog(JdbcTemplate jdbc, int queueCapacity, int batchSize) {
        this.jdbc = jdbc;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.batchSize = batchSize;
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

    public int queueDepth() {
        return queue.size();
    }

    public long dropped() {
        return dropped.get();
    }

    public long written() {
        return written.get();
    }

    private void drain() {
        List<Outcome> batch = new ArrayList<>(batchSize);
        Duration backoff = Duration.ofMillis(100);
        while (running || !queue.isEmpty() || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    Outcome first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, batchSize - 1);
                }
                write(batch);
                written.addAndGet(batch.size());
                batch.clear();
                backoff = Duration.ofMillis(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn(
                        "Outcome log write of {} rows failed, retrying in {} ms: {}",
                        batch.size(),
                        backoff.toMillis(),
                        e.getMessage());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0
                        ? Duration.ofSeconds(10)
                        : backoff.multipliedBy(2);
                if (!running) {
                    return;
                }
            }
        }
    }

    private void write(List<Outcome> batch) {
        jdbc.batchUpdate("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, score, start_tier, status,
                    http_status, answered_by, answered_model, answered_tier, attempts, escalations, total_ms,
                    backend_ms, input_tokens, output_tokens, cost_usd, stream, error, prompt, answer)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, batch, batch.size(), (ps, o) -> {
            var t = o.trail();
            int in =
                    t.attempts().stream().mapToInt(a -> a.usage().inputTokens()).sum();
            int out = t.attempts().stream()
                    .mapToInt(a -> a.usage().outputTokens())
                    .sum();
            ps.setString(1, o.requestId());
            ps.setTimestamp(2, Timestamp.from(o.createdAt()));
            ps.setString(3, t.policy());
            ps.setString(4, o.requestedModel());
            ps.setDouble(5, t.score());
            ps.setInt(6, t.startTier());
            ps.setString(7, o.answeredTier() >= 0 ? "answered" : "failed");
            ps.setInt(8, o.httpStatus());
            ps.setString(9, o.answeredBy());
            ps.setString(10, o.answeredModel());
            ps.setObject(11, o.answeredTier() >= 0 ? o.answeredTier() : null);
            ps.setInt(12, t.attempts().size());
            ps.setInt(13, t.escalations());
            ps.setDouble(14, o.totalMs());
            ps.setDouble(15, millis(t.backendTime()));
            ps.setInt(16, in);
            ps.setInt(17, out);
            ps.setDouble(18, t.costUsd());
            ps.setBoolean(19, o.stream());
            ps.setString(20, o.error());
            ps.setString(21, o.prompt());
            ps.setString(22, o.answer());
        });
        List<Object[]> attempts = new ArrayList<>();
        for (Outcome o : batch) {
            List<Attempt> list = o.trail().attempts();
            for (int seq = 0; seq < list.size(); seq++) {
                Attempt a = list.get(seq);
                attempts.add(new Object[] {
                    o.requestId(),
                    Timestamp.from(o.createdAt()),
                    seq,
                    a.tier(),
                    a.tierName(),
                    a.backend(),
                    a.model(),
                    a.verdict().name().toLowerCase(java.util.Locale.ROOT),
                    millis(a.latency()),
                    a.firstToken() == null ? null : millis(a.firstToken()),
                    a.usage().inputTokens(),
                    a.usage().outputTokens(),
                    a.costUsd(),
                    signalsJson(a.signals()),
                    a.error()
                });
            }
        }
        if (!attempts.isEmpty()) {
            jdbc.batchUpdate("""
                    INSERT INTO attempts (request_id, created_at, seq, tier, tier_name, backend, model, verdict,
                        latency_ms, first_token_ms, input_tokens, output_tokens, cost_usd, signals, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
                    ON CONFLICT DO NOTHING
                    """, attempts);
        }
    }

    /** Signals are finite numbers keyed by signal name, so the JSON is written directly. */
    static String signalsJson(Map<String, Double> signals) {
        return signals.entrySet().stream()
                .filter(e -> Double.isFinite(e.getValue()))
                .map(e -> "\"" + e.getKey().replace("\\", "\\\\").replace("\"", "\\\"") + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1_000_000d;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops taking new work and flushes what is queued, waiting up to a few seconds. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!queue.isEmpty()) {
            log.warn("Outcome log closed with {} outcomes unwritten", queue.size());
        }
    }
}
