package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.ModelBackend;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.router.RouterModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

class RouterWarmUpHealthTest {

    @Test
    void aReplicaIsOutOfServiceUntilItsRouterHasScoredAPrompt() throws InterruptedException {
        RouterModels models = new RouterModels(null, null, null, RouterModel.loadDefault());
        RouterWarmUpHealth health = new RouterWarmUpHealth(models);

        assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

        health.warmUp();
        awaitWarm(models);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aReplicaStartedAfterAPromotionIsReadyOnlyWithThePromotedVersionAndItsThresholds() throws Exception {
        DataSource db = TestDatabase.migrated();
        JdbcTemplate jdbc = new JdbcTemplate(db);
        // The bundled model's artifact stored under another name, as a promotion by the retraining job leaves it.
        jdbc.update("""
                INSERT INTO router_models (version, sha256, artifact, card, thresholds, status, created_at)
                VALUES ('promoted', 'sha', ?, ?::jsonb, '{"two": [0.2]}', 'active', now())""", bundled("default.bin"), new String(bundled("default.card.json"), StandardCharsets.UTF_8));
        ModelBackend idle = TestBackends.of("idle", request -> {
            throw new AssertionError("warming up calls no backend");
        });
        Routes routes = TestBackends.twoTiers("two", "small", idle, "large", idle);
        RouterModels models = new RouterModels(
                jdbc, new TransactionTemplate(new DataSourceTransactionManager(db)), routes, RouterModel.loadDefault());
        RouterWarmUpHealth health = new RouterWarmUpHealth(models);

        health.warmUp();
        awaitWarm(models);

        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        assertThat(models.currentVersion()).isEqualTo("promoted");
        assertThat(routes.policies().get("two").thresholds())
                .as("the thresholds calibrated for the promoted version, not the configured 0.5")
                .containsExactly(0.2);
    }

    private static byte[] bundled(String file) throws IOException {
        try (InputStream in = RouterModel.class.getResourceAsStream("/dev/ponder/router/" + file)) {
            return in.readAllBytes();
        }
    }

    private static void awaitWarm(RouterModels models) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (!models.warm() && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
    }
}
