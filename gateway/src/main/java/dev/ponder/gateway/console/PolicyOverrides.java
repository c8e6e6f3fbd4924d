package dev.ponder.gateway.console;

import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.routing.Routes;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    /**
     * Applies an edit on top of the policy as last stored, one edit of a policy at a time across replicas (an
     * advisory lock), so that concurrent edits of different fields both land and an edit made on a replica whose
     * copy is a refresh behind does not undo another replica's. An edit that names a {@code version} other than the
     * current one is refused with {@link StaleEdit}.
     */
    synchronized CascadePolicy apply(CascadePolicy configured, PolicyEdit edit, String admin) {
        Applied applied = tx.execute(status -> {
            jdbc.queryForList(
                    "SELECT pg_advisory_xact_lock(hashtext('ponder.policy_overrides'), hashtext(?))",
                    configured.name());
            CascadePolicy current = jdbc
                    .query(
                            "SELECT * FROM policy_overrides WHERE policy = ?",
                            (rs, i) -> storedOrNull(configured, rs),
                            configured.name())
                    .stream()
                    .filter(Objects::nonNull)
                    .findFirst()
                    .orElse(configured);
            if (edit.version() != null && !edit.version().equals(version(current))) {
                throw new StaleEdit(current);
            }
            Budget budget = current.budget();
            CascadePolicy edited = with(
                    current,
                    edit.thresholds() == null ? current.thresholds() : edit.thresholds(),
                    new Budget(
                            edit.maxEscalations() == null ? budget.maxEscalations() : edit.maxEscalations(),
                            edit.deadlineMs() == null ? budget.deadline() : Duration.ofMillis(edit.deadlineMs()),
                            edit.maxCostUsd() == null ? budget.maxCostUsd() : edit.maxCostUsd()));
            if (edited.equals(current)) {
                // A save that changes nothing is no change: no audit row, no log line.
                return new Applied(current, false);
            }
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
                    edited.name(),
                    json.writeValueAsString(edited.thresholds()),
                    edited.budget().maxEscalations(),
                    edited.budget().maxCostUsd(),
                    edited.budget().deadline().toMillis(),
                    admin,
                    Timestamp.from(clock.instant()));
            jdbc.update(
                    "INSERT INTO policy_audit (policy, changed_by, before, after, changed_at) VALUES (?, ?, ?::jsonb,"
                            + " ?::jsonb, ?)",
                    edited.name(),
                    admin,
                    json.writeValueAsString(view(current)),
                    json.writeValueAsString(view(edited)),
                    Timestamp.from(clock.instant()));
            return new Applied(edited, true);
        });
        CascadePolicy changed = applied.policy();
        routes.replace(changed);
        if (!applied.changed()) {
            return changed;
        }
        log.info(
                "Policy '{}' changed by {}: thresholds {}, budget {}",
                changed.name(),
                admin,
                changed.thresholds(),
                changed.budget());
        return changed;
    }

    private record Applied(CascadePolicy policy, boolean changed) {}

    /**
     * Applies the stored overrides, on every replica, so that an edit made on one reaches all. Each one it applies is
     * logged with what it replaced: an edit outlasts restarts, so at start it silently beat thresholds or budgets
     * changed in the configuration since.
     */
    @Scheduled(initialDelay = 0, fixedDelayString = "${ponder.console.policy-refresh:PT10S}")
    synchronized void refresh() {
        try {
            jdbc.query("SELECT * FROM policy_overrides", rs -> {
                CascadePolicy current = routes.policies().get(rs.getString("policy"));
                if (current == null) {
                    return;
                }
                CascadePolicy stored = storedOrNull(current, rs);
                if (stored != null && !stored.equals(current)) {
                    routes.replace(stored);
                    log.info(
                            "Policy '{}' takes the console's edit by {} at {}: thresholds {}, budget {} (instead of"
                                    + " thresholds {}, budget {}); it holds across restarts and configuration changes"
                                    + " until edited again",
                            stored.name(),
                            rs.getString("updated_by"),
                            rs.getTimestamp("updated_at").toInstant(),
                            stored.thresholds(),
                            stored.budget(),
                            current.thresholds(),
                            current.budget());
                }
            });
        } catch (RuntimeException e) {
            log.warn("Could not refresh policy overrides, keeping the current ones: {}", e.getMessage());
        }
    }

    /** The policy with the stored override row applied, or null when it no longer fits (warned about once). */
    private CascadePolicy storedOrNull(CascadePolicy current, ResultSet rs) throws SQLException {
        String thresholds = rs.getString("thresholds");
        try {
            return with(
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
                        "Policy override of '{}' does not fit the configured policy, ignored until edited again: {}",
                        current.name(),
                        e.getMessage());
            }
            return null;
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

    /** Names the editable values of a policy, so that an edit can say which ones it was made against. */
    static String version(CascadePolicy p) {
        return Integer.toHexString(Objects.hash(p.thresholds(), p.budget()));
    }

    /** An edit made against a version of the policy that is no longer the current one. */
    static final class StaleEdit extends RuntimeException {

        StaleEdit(CascadePolicy current) {
            super("Policy '" + current.name() + "' was changed since you loaded it (it now has thresholds "
                    + current.thresholds() + "); reload it and edit again.");
        }
    }
}
