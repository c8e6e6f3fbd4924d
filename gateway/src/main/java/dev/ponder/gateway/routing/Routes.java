package dev.ponder.gateway.routing;

import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.config.PonderProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The backends and policies a request's {@code model} can name: {@code ponder} (the default policy),
 * {@code ponder/<policy>}, or a backend's name, which bypasses the cascade with a one-tier policy.
 */
public final class Routes {

    public static final String AUTO = "ponder";

    private final Map<String, ModelBackend> backends;
    private final Map<String, CascadePolicy> policies;
    private final String defaultPolicy;

    public Routes(Map<String, ModelBackend> backends, Map<String, CascadePolicy> policies, String defaultPolicy) {
        this.backends = Map.copyOf(backends);
        this.policies = Map.copyOf(policies);
        if (!policies.containsKey(defaultPolicy)) {
            throw new IllegalArgumentException(
                    "ponder.default-policy '" + defaultPolicy + "' is not a policy; policies are " + policies.keySet());
        }
        this.defaultPolicy = defaultPolicy;
    }

    /** Builds the policies of the configuration over already created backends; with none configured, one over all. */
    public static Routes of(PonderProperties properties, Map<String, ModelBackend> backends) {
        Map<String, CascadePolicy> policies = new LinkedHashMap<>();
        properties.policies().forEach((name, policy) -> policies.put(name, policy(name, policy, backends)));
        if (policies.isEmpty()) {
            policies.put(
                    properties.defaultPolicy(),
                    policy(
                            properties.defaultPolicy(),
                            new PonderProperties.Policy(new ArrayList<>(backends.keySet()), null, null, null, null),
                            backends));
        }
        return new Routes(backends, policies, properties.defaultPolicy());
    }

    private static CascadePolicy policy(
            String name, PonderProperties.Policy config, Map<String, ModelBackend> backends) {
        List<Tier> tiers = new ArrayList<>();
        for (String tier : config.tiers()) {
            ModelBackend backend = backends.get(tier);
            if (backend == null) {
                throw new IllegalArgumentException("ponder.policies." + name + " names tier '" + tier
                        + "', which is not a backend; backends are " + backends.keySet());
            }
            tiers.add(new Tier(tier, backend));
        }
        Budget budget = new Budget(
                config.maxEscalations() == null ? Budget.UNLIMITED.maxEscalations() : config.maxEscalations(),
                config.deadline() == null ? Duration.ofMinutes(5) : config.deadline(),
                config.maxCostUsd() == null ? Budget.UNLIMITED.maxCostUsd() : config.maxCostUsd());
        return new CascadePolicy(name, tiers, config.thresholds(), budget);
    }

    /** The policy a request's {@code model} names, if any. */
    public Optional<CascadePolicy> resolve(String model) {
        if (AUTO.equals(model)) {
            return Optional.of(policies.get(defaultPolicy));
        }
        if (model.startsWith(AUTO + "/")) {
            return Optional.ofNullable(policies.get(model.substring(AUTO.length() + 1)));
        }
        ModelBackend backend = backends.get(model);
        return Optional.ofNullable(backend)
                .map(b -> new CascadePolicy(model, List.of(new Tier(model, b)), List.of(), Budget.UNLIMITED));
    }

    /** Model ids a client may send, for {@code GET /v1/models}: the automatic route, each policy, each backend. */
    public List<String> modelIds() {
        List<String> ids = new ArrayList<>();
        ids.add(AUTO);
        policies.keySet().stream().sorted().forEach(p -> ids.add(AUTO + "/" + p));
        backends.keySet().stream().sorted().forEach(ids::add);
        return ids;
    }

    public Map<String, ModelBackend> backends() {
        return backends;
    }

    public Map<String, CascadePolicy> policies() {
        return policies;
    }
}
