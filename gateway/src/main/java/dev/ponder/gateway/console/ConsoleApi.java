package dev.ponder.gateway.console;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.gateway.api.ApiException;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.providers.GuardedBackend;
import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The JSON the console's pages render; behind the admin login like everything under /admin. */
@RestController
class ConsoleApi {

    private static final Map<String, Duration> RANGES = Map.of(
            "1h", Duration.ofHours(1), "24h", Duration.ofDays(1), "7d", Duration.ofDays(7), "30d", Duration.ofDays(30));

    private final ConsoleQueries queries;
    private final Routes routes;
    private final PolicyOverrides overrides;
    private final Clock clock;

    ConsoleApi(ConsoleQueries queries, Routes routes, PolicyOverrides overrides, Clock clock) {
        this.queries = queries;
        this.routes = routes;
        this.overrides = overrides;
        this.clock = clock;
    }

    @GetMapping("/admin/api/console/overview")
    Map<String, Object> overview(@RequestParam(defaultValue = "24h") String range) {
        Duration span = range(range);
        Instant from = clock.instant().minus(span);
        Map<String, Object> body = new LinkedHashMap<>(queries.totals(from));
        double counterfactual = queries.topTierCost(from, routes.policies());
        double cost = ((Number) body.get("cost_usd")).doubleValue();
        body.put("range", range);
        body.put("top_tier_cost_usd", counterfactual);
        body.put("savings_usd", counterfactual - cost);
        body.put("series", queries.series(from, span.dividedBy(48)));
        return body;
    }

    /**
     * A page of requests, newest first; {@code next} is the cursor of the page after it ({@code before} and
     * {@code before_id}: the last row's created_at and id), or null when this page is the last.
     */
    @GetMapping("/admin/api/console/requests")
    Map<String, Object> requests(
            @RequestParam(defaultValue = "24h") String range,
            @RequestParam(required = false) Instant before,
            @RequestParam(name = "before_id", required = false) String beforeId,
            @RequestParam(required = false) String policy,
            @RequestParam(required = false) String backend,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String q) {
        if (beforeId != null && before == null) {
            throw ApiException.invalid("before_id", "'before_id' needs 'before', the created_at of the row it names.");
        }
        RequestFilter filter;
        try {
            filter = new RequestFilter(
                    clock.instant().minus(range(range)), before, beforeId, policy, backend, status, q);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("status", e.getMessage());
        }
        List<Map<String, Object>> rows = queries.requests(filter);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("data", rows);
        page.put("page_size", ConsoleQueries.PAGE_SIZE);
        page.put("next", rows.size() < ConsoleQueries.PAGE_SIZE ? null : cursor(rows.getLast()));
        return page;
    }

    /** The cursor of the rows after this one: its instant to the microsecond, as logged, and its id. */
    private static Map<String, Object> cursor(Map<String, Object> row) {
        return Map.of(
                "before",
                        ((java.sql.Timestamp) row.get("created_at")).toInstant().toString(),
                "before_id", row.get("request_id"));
    }

    @GetMapping("/admin/api/console/requests/{id}")
    Map<String, Object> request(@PathVariable String id) {
        List<Map<String, Object>> rows = queries.request(id);
        if (rows.isEmpty()) {
            throw new ApiException(404, "invalid_request_error", "id", "not_found", "No request " + id + ".", null);
        }
        Map<String, Object> body = new LinkedHashMap<>(rows.getFirst());
        body.put("trail", queries.attempts(id));
        return body;
    }

    @GetMapping("/admin/api/console/backends")
    List<Map<String, Object>> backends() {
        Map<String, Map<String, Object>> latency =
                queries.backendLatency(clock.instant().minus(Duration.ofHours(1)));
        List<Map<String, Object>> backends = new ArrayList<>();
        routes.backends().forEach((name, backend) -> {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", name);
            view.put("type", backend.info().type());
            view.put("model", backend.info().model());
            view.put("price", backend.info().price());
            view.put("capabilities", backend.info().capabilities());
            if (backend instanceof GuardedBackend guarded) {
                view.put("state", guarded.state());
            }
            view.put("last_hour", latency.getOrDefault(name, Map.of("attempts", 0)));
            backends.add(view);
        });
        return backends;
    }

    @GetMapping("/admin/api/console/policies")
    Map<String, Object> policies() {
        List<Map<String, Object>> policies = new ArrayList<>();
        routes.policies().values().forEach(p -> policies.add(editable(p)));
        return Map.of("data", policies, "audit", queries.policyAudit());
    }

    /**
     * Edits a policy's thresholds and budgets; see {@link PolicyEdit} for the fields. Sent with the {@code version}
     * it was loaded at, an edit of a policy someone changed since is refused with 409 instead of undoing their change.
     */
    @PutMapping("/admin/api/console/policies/{name}")
    Map<String, Object> editPolicy(@PathVariable String name, @RequestBody JsonNode body, Principal admin) {
        CascadePolicy current = routes.policies().get(name);
        if (current == null) {
            throw new ApiException(404, "invalid_request_error", "name", "not_found", "No policy " + name + ".", null);
        }
        PolicyEdit edit = PolicyEdit.from(body);
        try {
            return editable(overrides.apply(current, edit, admin.getName()));
        } catch (PolicyOverrides.StaleEdit e) {
            throw new ApiException(409, "invalid_request_error", "version", "policy_changed", e.getMessage(), null);
        } catch (IllegalArgumentException e) {
            // The budgets were checked as they were read: what the policy's constructor refuses is its thresholds.
            throw ApiException.invalid("thresholds", e.getMessage());
        }
    }

    /** A policy as the console shows it, with the version an edit of it names. */
    private static Map<String, Object> editable(CascadePolicy policy) {
        Map<String, Object> view = PolicyOverrides.view(policy);
        view.put("version", PolicyOverrides.version(policy));
        return view;
    }

    /**
     * The what-if of a threshold on logged traffic: with two tiers' worth of split at {@code threshold}, the share
     * of requests that would start at the strong tier, and the cost and quality the router itself predicts
     * (its score is the probability that the cheap tier's answer is not good enough).
     */
    @GetMapping("/admin/api/console/whatif")
    Map<String, Object> whatIf(
            @RequestParam String policy,
            @RequestParam double threshold,
            @RequestParam(defaultValue = "7d") String range) {
        CascadePolicy p = routes.policies().get(policy);
        if (p == null) {
            throw new ApiException(
                    404, "invalid_request_error", "policy", "not_found", "No policy " + policy + ".", null);
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw ApiException.invalid("threshold", "threshold must be within [0, 1] but was " + threshold);
        }
        Instant from = clock.instant().minus(range(range));
        Map<String, Double> meanCost = queries.meanCostByBackend(from);
        double weakCost = meanCost.getOrDefault(p.tiers().getFirst().name(), 0.0);
        double strongCost = meanCost.getOrDefault(p.tiers().getLast().name(), 0.0);
        Map<String, Object> logged = queries.whatIf(from, policy, threshold);
        long n = ((Number) logged.get("requests")).longValue();
        long strong = ((Number) logged.get("strong")).longValue();
        double quality = ((Number) logged.get("quality")).doubleValue();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("policy", policy);
        body.put("threshold", threshold);
        body.put("requests", n);
        body.put("strong_share", n == 0 ? 0 : (double) strong / n);
        body.put("predicted_cost_usd", strong * strongCost + (n - strong) * weakCost);
        body.put("always_strong_cost_usd", n * strongCost);
        body.put("predicted_quality_vs_always_strong", n == 0 ? 1 : quality / n);
        return body;
    }

    @GetMapping("/admin/api/console/training-runs")
    Map<String, Object> trainingRuns() {
        return Map.of("data", queries.trainingRuns());
    }

    private static Duration range(String range) {
        Duration span = RANGES.get(range);
        if (span == null) {
            throw ApiException.invalid("range", "range must be one of 1h, 24h, 7d, 30d but was '" + range + "'");
        }
        return span;
    }
}
