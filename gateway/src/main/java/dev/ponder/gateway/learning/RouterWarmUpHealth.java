package dev.ponder.gateway.learning;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Out of service until the router has scored its first prompt, and part of the readiness group
 * ({@code /readyz}, {@code /actuator/health/readiness}): a new replica would otherwise hold its first requests while
 * the sentence encoder loads (seen at 8.5 s on a busy machine).
 */
@Component("routerWarmUp")
class RouterWarmUpHealth implements HealthIndicator {

    private final RouterModels models;

    RouterWarmUpHealth(RouterModels models) {
        this.models = models;
    }

    @Override
    public Health health() {
        return models.warm() ? Health.up().build() : Health.outOfService().build();
    }
}
