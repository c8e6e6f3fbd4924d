package dev.ponder.gateway.routing;

import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Fallback;
import dev.ponder.cascade.IdkCheck;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Signal;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.config.PonderProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
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
    private final Map<String, CascadePolicy> configured;
    private final String defaultPolicy;

    public Routes(Map<String, ModelBackend> backends, Map<String, CascadePolicy> policies, String defaultPolicy) {
        if (backends.containsKey(AUTO)) {
            // model "ponder" routes automatically, so such a backend could never be called by its name.
            throw new IllegalArgumentException("ponder.backends." + AUTO + ": the backend name '" + AUTO
                    + "' is taken by automatic routing (model: " + AUTO + "); give the backend another name");
        }
        this.backends = Map.copyOf(backends);
        // Concurrent: the console replaces a policy at run time while requests read it.
        this.policies = new java.util.concurrent.ConcurrentHashMap<>(policies);
        this.configured = Map.copyOf(policies);
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
                            PonderProperties.Policy.over(new ArrayList<>(backends.keySet())),
                            backends));
        }
        return new Routes(backends, policies, properties.defaultPolicy());
    }

    private static CascadePolicy policy(
            String name, PonderProperties.Policy config, Map<String, ModelBackend> backends) {
        List<Tier> tiers = new ArrayList<>();
        for (String tier : config.tiers()) {
            tiers.add(new Tier(tier, backend(name, "tier", tier, backends)));
        }
        IdkCheck idk = idk(name, config);
        Fallback fallback = fallback(name, config.fallback(), backends);
        try {
            Budget budget = new Budget(
                    config.maxEscalations() == null ? Budget.UNLIMITED.maxEscalations() : config.maxEscalations(),
                    config.deadline() == null ? Duration.ofMinutes(5) : config.deadline(),
                    config.maxCostUsd() == null ? Budget.UNLIMITED.maxCostUsd() : config.maxCostUsd());
            return new CascadePolicy(name, tiers, config.thresholds(), budget, idk, config.streamMode(), fallback);
        } catch (IllegalArgumentException e) {
            // The cascade's messages name the field (thresholds, maxEscalations, ...), not where it is configured.
            throw new IllegalArgumentException("ponder.policies." + name + ": " + e.getMessage(), e);
        }
    }

    /** The IDK check: the configured signals, or the cascade's default (abstention alone) when none is named. */
    private static IdkCheck idk(String name, PonderProperties.Policy config) {
        if (config.signals() == null && config.agreementSamples() == null && config.verificationSamples() == null) {
            return null;
        }
        Map<Signal, Double> thresholds = new EnumMap<>(Signal.class);
        Map<String, Double> signals = config.signals() == null ? Map.of() : config.signals();
        signals.forEach((key, threshold) -> thresholds.put(signal(name, key), threshold));
        try {
            return new IdkCheck(
                    thresholds,
                    config.agreementSamples() == null ? 3 : config.agreementSamples(),
                    config.verificationSamples() == null ? 1 : config.verificationSamples());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ponder.policies." + name + ": " + e.getMessage(), e);
        }
    }

    private static Signal signal(String policy, String key) {
        for (Signal signal : Signal.values()) {
            if (signal.key().equals(key)) {
                return signal;
            }
        }
        throw new IllegalArgumentException("ponder.policies." + policy + ".signals names '" + key
                + "', which is not a signal; signals are "
                + Arrays.stream(Signal.values()).map(Signal::key).toList());
    }

    private static Fallback fallback(
            String name, PonderProperties.Fallback config, Map<String, ModelBackend> backends) {
        if (config == null) {
            return null;
        }
        if ((config.answer() == null) == (config.backend() == null)) {
            throw new IllegalArgumentException(
                    "ponder.policies." + name + ".fallback needs exactly one of answer and backend");
        }
        return config.answer() != null
                ? Fallback.answer(config.answer())
                : Fallback.backend(backend(name, "fallback backend", config.backend(), backends));
    }

    private static ModelBackend backend(String policy, String role, String key, Map<String, ModelBackend> backends) {
        ModelBackend backend = backends.get(key);
        if (backend == null) {
            throw new IllegalArgumentException("ponder.policies." + policy + " names " + role + " '" + key
                    + "', which is not a backend; backends are " + backends.keySet());
        }
        return backend;
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
        return java.util.Collections.unmodifiableMap(policies);
    }

    /** The policies as configured, before any run-time change of thresholds or budgets. */
    public Map<String, CascadePolicy> configuredPolicies() {
        return configured;
    }

    /** Swaps a policy for an edited one of the same name (its thresholds or budgets), for requests from now on. */
    public void replace(CascadePolicy policy) {
        if (policies.replace(policy.name(), policy) == null) {
            throw new IllegalArgumentException("no policy '" + policy.name() + "' to replace");
        }
    }
}
