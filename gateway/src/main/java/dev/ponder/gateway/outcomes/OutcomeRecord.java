package dev.ponder.gateway.outcomes;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.Trail;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * An outcome flattened into the rows the log stores: one request row and its attempt rows. This is also what the
 * journal holds while PostgreSQL is down, so it is plain data that JSON round-trips.
 */
record OutcomeRecord(Request request, List<AttemptRow> attempts) {

    OutcomeRecord {
        Objects.requireNonNull(request, "request");
        attempts = List.copyOf(attempts);
    }

    record Request(
            String requestId,
            Instant createdAt,
            String policy,
            String requestedModel,
            double score,
            int startTier,
            String status,
            int httpStatus,
            String answeredBy,
            String answeredModel,
            Integer answeredTier,
            int attempts,
            int escalations,
            double totalMs,
            double backendMs,
            int inputTokens,
            int outputTokens,
            double costUsd,
            boolean stream,
            String error,
            String prompt,
            String answer,
            String keyId) {

        Object[] values() {
            return new Object[] {
                requestId,
                java.sql.Timestamp.from(createdAt),
                policy,
                requestedModel,
                score,
                startTier,
                status,
                httpStatus,
                answeredBy,
                answeredModel,
                answeredTier,
                attempts,
                escalations,
                totalMs,
                backendMs,
                inputTokens,
                outputTokens,
                costUsd,
                stream,
                error,
                prompt,
                answer,
                keyId
            };
        }
    }

    record AttemptRow(
            String requestId,
            Instant createdAt,
            int seq,
            int tier,
            String tierName,
            String backend,
            String model,
            String verdict,
            double latencyMs,
            Double firstTokenMs,
            int inputTokens,
            int outputTokens,
            double costUsd,
            String signals,
            String error,
            String decidedBy) {

        Object[] values() {
            return new Object[] {
                requestId,
                java.sql.Timestamp.from(createdAt),
                seq,
                tier,
                tierName,
                backend,
                model,
                verdict,
                latencyMs,
                firstTokenMs,
                inputTokens,
                outputTokens,
                costUsd,
                signals,
                error,
                decidedBy
            };
        }
    }

    static OutcomeRecord of(Outcome o) {
        Trail t = o.trail();
        int in = t.attempts().stream().mapToInt(a -> a.usage().inputTokens()).sum();
        int out = t.attempts().stream().mapToInt(a -> a.usage().outputTokens()).sum();
        Request request = new Request(
                o.requestId(),
                o.createdAt(),
                t.policy(),
                o.requestedModel(),
                t.score(),
                t.startTier(),
                o.status(),
                o.httpStatus(),
                o.answeredBy(),
                o.answeredModel(),
                o.answeredTier() >= 0 ? o.answeredTier() : null,
                t.attempts().size(),
                t.escalations(),
                o.totalMs(),
                millis(t.backendTime()),
                in,
                out,
                t.costUsd(),
                o.stream(),
                o.error(),
                o.prompt(),
                o.answer(),
                o.keyId());
        List<AttemptRow> attempts = new ArrayList<>();
        for (int seq = 0; seq < t.attempts().size(); seq++) {
            Attempt a = t.attempts().get(seq);
            attempts.add(new AttemptRow(
                    o.requestId(),
                    o.createdAt(),
                    seq,
                    a.tier(),
                    a.tierName(),
                    a.backend(),
                    a.model(),
                    a.verdict().name().toLowerCase(Locale.ROOT),
                    millis(a.latency()),
                    a.firstToken() == null ? null : millis(a.firstToken()),
                    a.usage().inputTokens(),
                    a.usage().outputTokens(),
                    a.costUsd(),
                    signalsJson(a.signals()),
                    a.error(),
                    a.decidedBy()));
        }
        return new OutcomeRecord(request, attempts);
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
}
