package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * The migrations are forward-only: they apply to an empty database, and to a database left at every earlier version
 * with data in it, and the data survives.
 */
class MigrationTest {

    @Test
    void theMigrationsApplyToAnEmptyDatabase() {
        Flyway flyway = flyway(TestDatabase.create(), MigrationVersion.LATEST);

        assertThat(flyway.migrate().success).isTrue();
        assertThat(flyway.info().pending()).isEmpty();
    }

    @Test
    void everyEarlierVersionWithDataMigratesToTheLatest() {
        List<MigrationVersion> versions = Arrays.stream(flyway(TestDatabase.create(), MigrationVersion.LATEST)
                        .info()
                        .all())
                .map(MigrationInfo::getVersion)
                .toList();
        assertThat(versions).hasSizeGreaterThan(1);

        for (MigrationVersion version : versions.subList(0, versions.size() - 1)) {
            String url = TestDatabase.create();
            flyway(url, version).migrate();
            JdbcTemplate jdbc = jdbc(url);
            jdbc.update("""
                    INSERT INTO requests (request_id, created_at, requested_model, status, http_status, attempts,
                        escalations, total_ms, backend_ms, input_tokens, output_tokens, cost_usd, prompt)
                    VALUES ('req-1', now(), 'ponder', 'answered', 200, 1, 0, 12.5, 10, 7, 3, 0.001, 'hi')""");
            jdbc.update("""
                    INSERT INTO attempts (request_id, created_at, seq, tier, tier_name, backend, verdict, latency_ms,
                        input_tokens, output_tokens, cost_usd)
                    SELECT request_id, created_at, 0, 0, 'small', 'small', 'accepted', 10, 7, 3, 0.001
                    FROM requests""");

            Flyway latest = flyway(url, MigrationVersion.LATEST);
            latest.migrate();

            assertThat(latest.info().pending())
                    .as("pending after migrating from %s", version)
                    .isEmpty();
            assertThat(jdbc.queryForObject("SELECT prompt FROM requests WHERE request_id = 'req-1'", String.class))
                    .as("data kept from %s", version)
                    .isEqualTo("hi");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM attempts", Integer.class))
                    .isEqualTo(1);
        }
    }

    @Test
    void aRunWithNothingToTrainOnStoredAsHeldBeforeV29GetsItsOwnStatus() {
        String url = TestDatabase.create();
        flyway(url, MigrationVersion.fromVersion("28")).migrate();
        JdbcTemplate jdbc = jdbc(url);
        // Before V29 a run with nothing to train on was 'held' with no version; a held candidate names its version.
        jdbc.update("INSERT INTO training_runs (started_at, status, model_version) VALUES (now(), 'held', NULL)");
        jdbc.update("INSERT INTO training_runs (started_at, status, model_version) VALUES (now(), 'held', 'v1')");

        flyway(url, MigrationVersion.LATEST).migrate();

        assertThat(jdbc.queryForList("SELECT status FROM training_runs ORDER BY id", String.class))
                .containsExactly("nothing_to_train", "held");
    }

    private static Flyway flyway(String url, MigrationVersion target) {
        return Flyway.configure()
                .dataSource(jdbc(url).getDataSource())
                .locations("classpath:db/migration")
                .target(target)
                .load();
    }

    private static JdbcTemplate jdbc(String url) {
        return new JdbcTemplate(new SimpleDriverDataSource(new org.postgresql.Driver(), url, "postgres", ""));
    }
}
