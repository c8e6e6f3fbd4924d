package dev.ponder.gateway.learning;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Out of service until the router has loaded the active version and scored its first prompt, and part of the
 * readiness group ({@code /readyz}, {@code /actuator/health/readiness}): a new replica would otherwise route its first
 * requests with the bundled model, or hold them while the sentence encoder loads (seen at 8.5 s on a busy machine).
 * Starts that warm-up when the web gateway is ready; the retraining job, which has no readiness, never warms up.
 */
@Component("routerWarmUp")
class RouterWarmUpHealth implements HealthIndicator {

    private final RouterModels models;

    RouterWarmUpHealth(RouterModels models) {
        this.models = models;
    }

    @EventListener(ApplicationReadyEvent.class)
    void warmUp() {
        models.warmUp();
    }

    @Override
    public Health health() {
        return models.warm() ? Health.up().build() : Health.outOfService().build();
    }
}
