package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import dev.ponder.router.RouterModel;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RouterAdminControllerTest {

    private final DataSource dataSource = TestDatabase.migrated();
    private final JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    private final RouterAdminController admin = new RouterAdminController(
            new RouterModels(
                    jdbc,
                    new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                    TestBackends.twoTiers(
                            "default",
                            "small",
                            TestBackends.of("small", request -> null),
                            "large",
                            TestBackends.of("large", request -> null)),
                    RouterModel.loadDefault()),
            JsonMapper.shared());

    @Test
    void theBundledModelReadsLikeAStoredVersionWithItsCard() {
        jdbc.update("""
                INSERT INTO router_models (version, sha256, artifact, card, status, created_at)
                VALUES ('retrain-1', 'abc', '\\x00', '{}', 'candidate', now())""");

        Map<String, Object> bundled = admin.version("bundled");

        RouterModel model = RouterModel.loadDefault();
        assertThat(bundled.keySet())
                .containsExactlyElementsOf(admin.version("retrain-1").keySet());
        assertThat(bundled)
                .containsEntry("version", "bundled")
                .containsEntry("sha256", model.checksum())
                .containsEntry("status", "active");
        assertThat(((JsonNode) bundled.get("card")).path("version").asString()).isEqualTo(model.version());
    }

    @Test
    void theBundledModelIsRetiredWhileAStoredVersionIsActive() {
        jdbc.update("""
                INSERT INTO router_models (version, sha256, artifact, card, status, created_at)
                VALUES ('retrain-1', 'abc', '\\x00', '{}', 'active', now())""");

        assertThat(admin.version("bundled")).containsEntry("status", "retired");
    }
}
