package dev.ponder.gateway.observability;

import dev.ponder.gateway.outcomes.OutcomeLog;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.providers.GuardedBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Ponder's metrics and spans. Both listen to outcomes, so the request path knows nothing of them; gauges read the
 * backends' and the outcome log's state when Prometheus scrapes. See docs/operations.md for names.
 */
@Configuration(proxyBeanMethods = false)
class ObservabilityConfiguration {

    @Bean
    OutcomeMetrics outcomeMetrics(MeterRegistry registry) {
        return new OutcomeMetrics(registry);
    }

    @Bean
    BackendMetrics backendMetrics(Routes routes) {
        Map<String, GuardedBackend> guarded = new LinkedHashMap<>();
        routes.backends().forEach((name, backend) -> {
            if (backend instanceof GuardedBackend g) {
                guarded.put(name, g);
            }
        });
        return new BackendMetrics(guarded);
    }

    @Bean
    OutcomeLogMetrics outcomeLogMetrics(OutcomeLog log) {
        return new OutcomeLogMetrics(log);
    }

    /** Spans are exported only when an OTLP endpoint is configured; without OpenTelemetry they are no-ops. */
    @Bean
    AttemptSpans attemptSpans(ObjectProvider<OpenTelemetry> openTelemetry) {
        return new AttemptSpans(
                openTelemetry.getIfAvailable(OpenTelemetry::noop).getTracer("dev.ponder.gateway"));
    }
}
