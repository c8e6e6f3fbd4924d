package dev.ponder.gateway.api;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Tier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a single request may change about its policy, from an {@code x-ponder-*} header or, failing that, a
 * {@code metadata} key: a cap on the tier it may reach and a quality target that makes it start higher. See
 * docs/api.md for the exact semantics.
 *
 * @param maxTier a tier name or index of the policy, or null for no cap
 * @param qualityTarget a number in [0, 1] that lowers every threshold by as much (so the request starts higher), or
 *     null for none
 */
record RoutingControls(Control maxTier, Control qualityTarget) {

    static final String MAX_TIER_HEADER = "x-ponder-max-tier";
    static final String QUALITY_TARGET_HEADER = "x-ponder-quality-target";
    static final String MAX_TIER_KEY = "ponder_max_tier";
    static final String QUALITY_TARGET_KEY = "ponder_quality_target";
    static final String METADATA_PREFIX = "ponder_";

    /** A control's raw value and the {@code param} an error about it names. */
    record Control(String value, String param) {}

    /** Reads the controls; a header wins over the metadata key of the same meaning. */
    static RoutingControls from(Function<String, String> header, Map<String, String> metadata) {
        return new RoutingControls(
                control(header, MAX_TIER_HEADER, metadata, MAX_TIER_KEY),
                control(header, QUALITY_TARGET_HEADER, metadata, QUALITY_TARGET_KEY));
    }

    private static Control control(
            Function<String, String> header, String headerName, Map<String, String> metadata, String key) {
        String fromHeader = header.apply(headerName);
        if (fromHeader != null) {
            return new Control(fromHeader.strip(), headerName);
        }
        String fromMetadata = metadata.get(key);
        return fromMetadata == null ? null : new Control(fromMetadata.strip(), "metadata." + key);
    }

    /** The request as a backend gets it: Ponder's own metadata keys steer Ponder and are not sent upstream. */
    static ChatRequest withoutPonderMetadata(ChatRequest request) {
        if (request.metadata().keySet().stream().noneMatch(k -> k.startsWith(METADATA_PREFIX))) {
            return request;
        }
        Map<String, String> kept = new LinkedHashMap<>(request.metadata());
        kept.keySet().removeIf(k -> k.startsWith(METADATA_PREFIX));
        return request.withMetadata(kept);
    }

    /** The policy this request runs with: its tiers cut at the cap, its thresholds lowered by the quality target. */
    CascadePolicy apply(CascadePolicy policy) {
        if (maxTier == null && qualityTarget == null) {
            return policy;
        }
        int top = maxTier == null ? policy.tiers().size() - 1 : tierIndex(policy);
        double shift = qualityTarget == null ? 0 : quality();
        List<Tier> tiers = policy.tiers().subList(0, top + 1);
        List<Double> thresholds = policy.thresholds().subList(0, top).stream()
                .map(t -> Math.max(0, t - shift))
                .toList();
        return policy.withTiers(tiers, thresholds);
    }

    private int tierIndex(CascadePolicy policy) {
        List<String> names = policy.tiers().stream().map(Tier::name).toList();
        int byName = names.indexOf(maxTier.value());
        if (byName >= 0) {
            return byName;
        }
        try {
            int index = Integer.parseInt(maxTier.value());
            if (index >= 0 && index < names.size()) {
                return index;
            }
        } catch (NumberFormatException e) {
            // not an index either: reported below
        }
        throw ApiException.invalid(
                maxTier.param(),
                "Invalid '" + maxTier.param() + "': '" + maxTier.value() + "' is neither a tier of policy '"
                        + policy.name() + "' " + names + " nor an index from 0 to " + (names.size() - 1) + ".");
    }

    private double quality() {
        try {
            double q = Double.parseDouble(qualityTarget.value());
            if (q >= 0 && q <= 1) {
                return q;
            }
        } catch (NumberFormatException e) {
            // not a number: reported below
        }
        throw ApiException.invalid(
                qualityTarget.param(),
                "Invalid '" + qualityTarget.param() + "': '" + qualityTarget.value()
                        + "' is not a number between 0 and 1.");
    }
}
