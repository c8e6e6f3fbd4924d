package dev.ponder.cascade;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Everything the cascade did for one request: the score, where it started, and each attempt in order. */
public record Trail(
        String policy, double score, int startTier, Instant startedAt, Duration total, List<Attempt> attempts) {

    public Trail {
        attempts = List.copyOf(attempts);
    }

    public double costUsd() {
        return attempts.stream().mapToDouble(Attempt::costUsd).sum();
    }

    /** Time spent waiting on backends; {@code total} minus this is Ponder's own overhead. */
    public Duration backendTime() {
        return attempts.stream().map(Attempt::latency).reduce(Duration.ZERO, Duration::plus);
    }

    public int escalations() {
        return Math.max(0, attempts.size() - 1);
    }
}
