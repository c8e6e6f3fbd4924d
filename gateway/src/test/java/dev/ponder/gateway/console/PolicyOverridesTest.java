package dev.ponder.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.gateway.routing.Routes;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Every replica applies the console's stored edits; one that no longer fits its policy does not block the others. */
class PolicyOverridesTest {

    @Test
    void anEditThatNoLongerFitsItsPolicyIsSkippedAndTheOthersStillApply() {
        DataSource dataSource = TestDatabase.migrated();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        Routes routes = new Routes(
                Map.of(),
                Map.of(
                        "three", new CascadePolicy("three", tiers("s", "m", "l"), List.of(0.3, 0.7), null),
                        "two", new CascadePolicy("two", tiers("s", "l"), List.of(0.5), null)),
                "two");
        // Stored when "three" had two tiers; then its configuration gained one. Stored first, so read first.
        override(jdbc, "three", "[0.4]");
        override(jdbc, "two", "[0.2]");
        PolicyOverrides overrides = new PolicyOverrides(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                routes,
                JsonMapper.shared(),
                Clock.systemUTC());

        overrides.refresh();

        assertThat(routes.policies().get("two").thresholds()).containsExactly(0.2);
        assertThat(routes.policies().get("three").thresholds()).containsExactly(0.3, 0.7);
    }

    private static void override(JdbcTemplate jdbc, String policy, String thresholds) {
        jdbc.update("""
                INSERT INTO policy_overrides (policy, thresholds, max_escalations, max_cost_usd, deadline_ms,
                    updated_by, updated_at)
                VALUES (?, ?::jsonb, 2, 1.0, 60000, 'admin', now())
                """, policy, thresholds);
    }

    private static List<Tier> tiers(String... names) {
        return java.util.Arrays.stream(names)
                .map(name -> new Tier(name, new ModelBackend() {
                    @Override
                    public BackendInfo info() {
                        return new BackendInfo(name, "test", name, null, null);
                    }

                    @Override
                    public ChatAnswer chat(ChatRequest request) {
                        throw new UnsupportedOperationException("no calls");
                    }
                }))
                .toList();
    }
}
