package dev.ponder.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.gateway.TestTiers;
import dev.ponder.gateway.routing.Routes;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every replica applies the console's stored edits; one that no longer fits its policy does not block the others, and
 * an edit builds on the last one stored, whichever replica made it.
 */
@ExtendWith(OutputCaptureExtension.class)
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
        PolicyOverrides overrides = replica(dataSource, routes);

        overrides.refresh();

        assertThat(routes.policies().get("two").thresholds()).containsExactly(0.2);
        assertThat(routes.policies().get("three").thresholds()).containsExactly(0.3, 0.7);
    }

    @Test
    void aStoredEditThatReplacesTheConfiguredValuesAtStartSaysSoOnce(CapturedOutput output) {
        DataSource dataSource = TestDatabase.migrated();
        Routes routes =
                new Routes(Map.of(), Map.of("p", new CascadePolicy("p", tiers("s", "l"), List.of(0.5), null)), "p");
        override(new JdbcTemplate(dataSource), "p", "[0.2]");
        PolicyOverrides overrides = replica(dataSource, routes);

        overrides.refresh();
        overrides.refresh();

        assertThat(routes.policies().get("p").thresholds()).containsExactly(0.2);
        assertThat(output.getOut())
                .containsOnlyOnce("Policy 'p' takes the console's edit by admin at ")
                .contains(": thresholds [0.2], budget Budget[maxEscalations=2, deadline=PT1M, maxCostUsd=1.0]"
                        + " (instead of thresholds [0.5], budget Budget[maxEscalations=2147483647")
                .contains("it holds across restarts and configuration changes until edited again");
    }

    @Test
    void anEditOnAReplicaABehindKeepsTheOtherReplicasEditAndAStaleVersionIsRefused() {
        DataSource dataSource = TestDatabase.migrated();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        CascadePolicy configured = new CascadePolicy("p", tiers("s", "l"), List.of(0.5), null);
        Routes one = new Routes(Map.of(), Map.of("p", configured), "p");
        Routes two = new Routes(Map.of(), Map.of("p", configured), "p");
        PolicyOverrides replicaOne = replica(dataSource, one);
        PolicyOverrides replicaTwo = replica(dataSource, two);
        String loaded = PolicyOverrides.version(two.policies().get("p"));

        replicaOne.apply(one.policies().get("p"), new PolicyEdit(List.of(0.2), null, null, null, null), "ann");
        // Replica two has not refreshed yet: its copy still has 0.5.
        CascadePolicy edited =
                replicaTwo.apply(two.policies().get("p"), new PolicyEdit(null, null, 0.05, null, null), "bob");
        Throwable stale = catchThrowable(() -> replicaTwo.apply(
                two.policies().get("p"), new PolicyEdit(List.of(0.9), null, null, null, loaded), "bob"));

        assertThat(edited.thresholds()).containsExactly(0.2);
        assertThat(edited.budget().maxCostUsd()).isEqualTo(0.05);
        assertThat(stale).isInstanceOf(PolicyOverrides.StaleEdit.class).hasMessageContaining("[0.2]");
        assertThat(two.policies().get("p").thresholds()).containsExactly(0.2);
        assertThat(jdbc.queryForList("SELECT before->>'thresholds' FROM policy_audit ORDER BY id", String.class))
                .as("each audit row's before is what the edit changed")
                .containsExactly("[0.5]", "[0.2]");
    }

    @Test
    void aSaveThatChangesNothingLeavesNoAuditRow() {
        DataSource dataSource = TestDatabase.migrated();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        CascadePolicy configured = new CascadePolicy("p", tiers("s", "l"), List.of(0.5), null);
        Routes routes = new Routes(Map.of(), Map.of("p", configured), "p");
        PolicyOverrides overrides = replica(dataSource, routes);

        overrides.apply(configured, new PolicyEdit(List.of(0.5), null, null, null, null), "ann");
        overrides.apply(configured, new PolicyEdit(List.of(0.3), null, null, null, null), "ann");
        CascadePolicy resaved = overrides.apply(
                routes.policies().get("p"), new PolicyEdit(List.of(0.3), null, null, null, null), "bob");

        assertThat(resaved.thresholds()).containsExactly(0.3);
        assertThat(jdbc.queryForList(
                        "SELECT changed_by || ' ' || (after->>'thresholds') FROM policy_audit", String.class))
                .containsExactly("ann [0.3]");
    }

    private static PolicyOverrides replica(DataSource dataSource, Routes routes) {
        return new PolicyOverrides(
                new JdbcTemplate(dataSource),
                new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                routes,
                JsonMapper.shared(),
                Clock.systemUTC());
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
                .map(name -> TestTiers.of(name, Price.FREE))
                .toList();
    }
}
