package dev.ponder.gateway.observability;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.Trail;
import dev.ponder.cascade.Verdict;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.Locale;

/**
 * One span for the cascade and one child span per attempt, made after the fact from the outcome's trail with its
 * recorded times, so that the cascade itself carries no tracing code. The cascade span's parent is the current
 * context: the HTTP server span when the request is traced. Attempts run one after another at the end of the
 * cascade (scoring comes first), so each child is placed back to back, ending when the cascade ended. A request
 * whose server span is not sampled gets none.
 */
final class AttemptSpans implements OutcomeListener {

    private final Tracer tracer;

    AttemptSpans(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public void onOutcome(Outcome outcome) {
        SpanContext request = Span.current().getSpanContext();
        if (request.isValid() && !request.isSampled()) {
            // Parent-based sampling drops the children of an unsampled request, but only after their attributes
            // were built: most requests, at the default sampling probability of 0.1.
            return;
        }
        Trail trail = outcome.trail();
        Instant end = trail.startedAt().plus(trail.total());
        Span cascade = tracer.spanBuilder("ponder.cascade")
                .setParent(Context.current())
                .setStartTimestamp(trail.startedAt())
                .setAttribute("ponder.request_id", outcome.requestId())
                .setAttribute("ponder.policy", trail.policy())
                .setAttribute("ponder.score", trail.score())
                .setAttribute("ponder.start_tier", trail.startTier())
                .setAttribute("ponder.escalations", trail.escalations())
                .setAttribute("ponder.cost_usd", trail.costUsd())
                .setAttribute("http.response.status_code", outcome.httpStatus())
                .startSpan();
        if (outcome.answeredTier() < 0) {
            cascade.setStatus(StatusCode.ERROR, "no tier answered");
        }
        Context parent = Context.current().with(cascade);
        Instant start = latest(trail.startedAt(), end.minus(trail.backendTime()));
        for (Attempt attempt : trail.attempts()) {
            Instant attemptEnd = start.plus(attempt.latency());
            Span span = tracer.spanBuilder("ponder.attempt " + attempt.backend())
                    .setParent(parent)
                    .setSpanKind(SpanKind.CLIENT)
                    .setStartTimestamp(start)
                    .setAttribute("ponder.tier", attempt.tier())
                    .setAttribute("ponder.tier_name", attempt.tierName())
                    .setAttribute("ponder.backend", attempt.backend())
                    .setAttribute("ponder.verdict", attempt.verdict().name().toLowerCase(Locale.ROOT))
                    .setAttribute("ponder.cost_usd", attempt.costUsd())
                    .setAttribute("gen_ai.request.model", attempt.model())
                    .setAttribute("gen_ai.usage.input_tokens", attempt.usage().inputTokens())
                    .setAttribute("gen_ai.usage.output_tokens", attempt.usage().outputTokens())
                    .startSpan();
            if (attempt.firstToken() != null) {
                span.addEvent("first token", start.plus(attempt.firstToken()));
            }
            if (attempt.verdict() == Verdict.FAILED) {
                span.setStatus(StatusCode.ERROR, attempt.error() == null ? "failed" : attempt.error());
            }
            span.end(attemptEnd);
            start = attemptEnd;
        }
        cascade.end(end);
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
