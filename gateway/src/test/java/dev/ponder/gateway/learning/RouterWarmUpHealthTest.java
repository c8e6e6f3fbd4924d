package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

class RouterWarmUpHealthTest {

    @Test
    void aReplicaIsOutOfServiceUntilItsRouterHasScoredAPrompt() throws InterruptedException {
        RouterModels models = new RouterModels(null, null, null);
        RouterWarmUpHealth health = new RouterWarmUpHealth(models);

        assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

        models.warmUp();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (!models.warm() && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }
}
