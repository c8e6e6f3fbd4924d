package dev.ponder.gateway.console;

import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.routing.Routes;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Threshold and budget edits made at run time. An edit is validated by building the new {@link CascadePolicy}
 * (its constructor rejects bad values), stored with an audit row, and applied at once here; the other replicas
 * pick it up from the table within seconds, so the request path never reads the database.
 */
@Component
class PolicyOverrides {

    private static final Logger log = LoggerFactory.getLogger(PolicyOverrides.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Routes routes;
    private final JsonMapper json;
    private final Clock clock;
    // Stored overrides already reported as unusable, so that the refresh does not repeat the warning every time.
    private final Set<String> unusable = ConcurrentHashMap.newKeySet();

    PolicyOverrides(JdbcTemplate jdbc, TransactionTemplate tx, Routes routes, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.routes = routes;
        this.json = json;
        this.clock = clock;
    }

    CascadePolicy apply(CascadePolicy current, PolicyEdit edit, String admin) {
        Budget budget = current.budget();
        CascadePolicy changed = with(
                current,
                edit.thresholds() == null ? current.thresholds() : edit.thresholds(),
                new Budget(
                        edit.maxEscalations() == null ? budget.maxEscalations() : edit.maxEscalations(),
                        edit.deadlineMs() == null ? budget.deadline() : Duration.ofMillis(edit.deadlineMs()),
                        edit.maxCostUsd() == null ? budget.maxCostUsd() : edit.maxCostUsd()));
        tx.executeWithoutResult(status -> {
            jdbc.update(
                    """
                    INSERT INTO policy_overrides (policy, thresholds, max_escalations, max_cost_usd, deadline_ms,
                        updated_by, updated_at)
                    VALUES (?, ?::jsonb, ?, ?, ?, ?, ?)
                    ON CONFLICT (policy) DO UPDATE SET thresholds = excluded.thresholds,
                        max_escalations = excluded.max_escalations, max_cost_usd = excluded.max_cost_usd,
                        deadline_ms = excluded.deadline_ms, updated_by = excluded.updated_by,
                        updated_at = excluded.updated_at
                    """,
                    changed.name(),
                    json.writeValueAsString(changed.thresholds()),
                    changed.budget().maxEscalations(),
                    changed.budget().maxCostUsd(),
                    changed.budget().deadline().toMillis(),
                    admin,
                    Timestamp.from(clock.instant()));
            jdbc.update(
                    "INSERT INTO policy_audit (policy, changed_by, before, after, changed_at) VALUES (?, ?, ?::jsonb,"
                            + " ?::jsonb, ?)",
                    changed.name(),
                    admin,
                    json.writeValueAsString(view(current)),
                    json.writeValueAsString(view(changed)),
                    Timestamp.from(clock.instant()));
        });
        routes.replace(changed);
        log.info(
                "Policy '{}' changed by {}: thresholds {}, budget {}",
                changed.name(),
                admin,
                changed.thresholds(),
                changed.budget());
        return changed;
    }

    /** Applies the stored overrides, on every replica, so that an edit made on one reaches all. */
    @Scheduled(initialDelay = 0, fixedDelayString = "${ponder.console.policy-refresh:PT10S}")
    void refresh() {
        try {
            jdbc.query("SELECT * FROM policy_overrides", rs -> {
                CascadePolicy current = routes.policies().get(rs.getString("policy"));
                if (current == null) {
                    return;
                }
                String thresholds = rs.getString("thresholds");
                CascadePolicy stored;
                try {
                    stored = with(
                            current,
                            List.of(json.readValue(thresholds, Double[].class)),
                            new Budget(
                                    rs.getInt("max_escalations"),
                                    Duration.ofMillis(rs.getLong("deadline_ms")),
                                    rs.getDouble("max_cost_usd")));
                } catch (IllegalArgumentException e) {
                    // An edit made for other tiers (the configuration changed since): skip it, apply the others.
                    if (unusable.add(current.name() + thresholds)) {
                        log.warn(
                                "Policy override of '{}' does not fit the configured policy, ignored until edited"
                                        + " again: {}",
                                current.name(),
                                e.getMessage());
                    }
                    return;
                }
                if (!stored.equals(current)) {
                    routes.replace(stored);
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not refresh policy overrides, keeping the current ones: {}", e.getMessage());
        }
    }

    private static CascadePolicy with(CascadePolicy p, List<Double> thresholds, Budget budget) {
        return p.withLimits(thresholds, budget);
    }

    static Map<String, Object> view(CascadePolicy p) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", p.name());
        view.put("tiers", p.tiers().stream().map(Tier::name).toList());
        view.put("thresholds", p.thresholds());
        // Unlimited budgets show as null rather than as the largest int and double.
        Budget unlimited = Budget.UNLIMITED;
        view.put(
                "max_escalations",
                p.budget().maxEscalations() == unlimited.maxEscalations()
                        ? null
                        : p.budget().maxEscalations());
        view.put(
                "max_cost_usd",
                p.budget().maxCostUsd() == unlimited.maxCostUsd()
                        ? null
                        : p.budget().maxCostUsd());
        view.put("deadline_ms", p.budget().deadline().toMillis());
        view.put("stream_mode", p.streamMode() == null ? null : p.streamMode().name());
        return view;
    }
}
