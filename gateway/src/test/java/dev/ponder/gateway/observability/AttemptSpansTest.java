package dev.ponder.gateway.observability;

import static dev.ponder.gateway.observability.TestOutcomes.STARTED;
import static dev.ponder.gateway.observability.TestOutcomes.attempt;
import static dev.ponder.gateway.observability.TestOutcomes.outcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.Verdict;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AttemptSpansTest {

    private final List<SpanData> exported = new CopyOnWriteArrayList<>();
    private final SdkTracerProvider tracing = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
                @Override
                public CompletableResultCode export(Collection<SpanData> spans) {
                    exported.addAll(spans);
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode flush() {
                    return CompletableResultCode.ofSuccess();
                }

                @Override
                public CompletableResultCode shutdown() {
                    return CompletableResultCode.ofSuccess();
                }
            }))
            .build();

    @Test
    void eachAttemptIsAChildSpanOfTheCascadeWithItsRecordedTimes() {
        new AttemptSpans(tracing.get("test"))
                .onOutcome(outcome(
                        "default",
                        1000,
                        attempt(0, "small", Verdict.ESCALATED, 200, null, 0),
                        attempt(1, "large", Verdict.ACCEPTED, 700, 100L, 0.01)));

        SpanData cascade = span("ponder.cascade");
        SpanData small = span("ponder.attempt small");
        SpanData large = span("ponder.attempt large");
        assertThat(List.of(small, large))
                .allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(cascade.getSpanId()));
        assertThat(cascade.getAttributes().get(AttributeKey.stringKey("ponder.request_id")))
                .isEqualTo("chatcmpl-test");
        assertThat(start(cascade)).isEqualTo(STARTED);
        assertThat(end(cascade)).isEqualTo(STARTED.plusMillis(1000));
        // 100 ms of scoring first, then the two attempts back to back until the end
        assertThat(start(small)).isEqualTo(STARTED.plusMillis(100));
        assertThat(end(small)).isEqualTo(start(large));
        assertThat(end(large)).isEqualTo(end(cascade));
        assertThat(large.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")))
                .isEqualTo("large-model");
        assertThat(small.getAttributes().get(AttributeKey.stringKey("ponder.verdict")))
                .isEqualTo("escalated");
        assertThat(large.getEvents()).singleElement().satisfies(e -> assertThat(e.getEpochNanos())
                .isEqualTo(nanos(start(large).plusMillis(100))));
    }

    @Test
    void aFailedAttemptAndAnUnansweredCascadeAreErrors() {
        new AttemptSpans(tracing.get("test"))
                .onOutcome(outcome("default", 100, attempt(0, "small", Verdict.FAILED, 50, null, 0)));

        assertThat(span("ponder.attempt small").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span("ponder.attempt small").getStatus().getDescription()).isEqualTo("upstream said 500");
        assertThat(span("ponder.cascade").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void anUnsampledRequestGetsNoSpansAndASampledOneJoinsItsTrace() {
        List<String> built = new ArrayList<>();
        Tracer tracer = name -> {
            built.add(name);
            return tracing.get("test").spanBuilder(name);
        };
        String traceId = "0af7651916cd43dd8448eb211c80319c";

        try (Scope request = Span.wrap(SpanContext.create(
                        traceId, "b7ad6b7169203331", TraceFlags.getDefault(), TraceState.getDefault()))
                .makeCurrent()) {
            new AttemptSpans(tracer)
                    .onOutcome(outcome("default", 100, attempt(0, "small", Verdict.ACCEPTED, 50, null, 0)));
        }
        assertThat(built).isEmpty();

        try (Scope request = Span.wrap(SpanContext.create(
                        traceId, "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault()))
                .makeCurrent()) {
            new AttemptSpans(tracer)
                    .onOutcome(outcome("default", 100, attempt(0, "small", Verdict.ACCEPTED, 50, null, 0)));
        }
        assertThat(built).containsExactly("ponder.cascade", "ponder.attempt small");
        assertThat(span("ponder.cascade").getTraceId()).isEqualTo(traceId);
    }

    private SpanData span(String name) {
        return exported.stream()
                .filter(s -> s.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + exported));
    }

    private static Instant start(SpanData span) {
        return Instant.EPOCH.plusNanos(span.getStartEpochNanos());
    }

    private static Instant end(SpanData span) {
        return Instant.EPOCH.plusNanos(span.getEndEpochNanos());
    }

    private static long nanos(Instant instant) {
        return TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
    }
}
