package dev.ponder.cascade;

import java.util.List;
import java.util.Objects;

/**
 * An ordered list of tiers, cheapest first, with the difficulty thresholds that pick where a request starts:
 * {@code thresholds.get(i)} is the highest difficulty tier {@code i} is trusted with, so a request starts at
 * the first tier whose threshold is not below its score (the top tier takes the rest). {@code idk} decides whether a
 * tier's answer is accepted or climbs; {@code streamMode} is how streamed requests meet the cascade;
 * {@code fallback} (may be null) answers when no tier could.
 */
public record CascadePolicy(
        String name,
        List<Tier> tiers,
        List<Double> thresholds,
        Budget budget,
        IdkCheck idk,
        StreamMode streamMode,
        Fallback fallback) {

    /** A policy that escalates on abstentions, verifies before streaming, and has no fallback. */
    public CascadePolicy(String name, List<Tier> tiers, List<Double> thresholds, Budget budget) {
        this(name, tiers, thresholds, budget, null, null, null);
    }

    public CascadePolicy {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("policy name must not be blank");
        }
        Objects.requireNonNull(tiers, "tiers");
        if (tiers.isEmpty()) {
            throw new IllegalArgumentException("policy '" + name + "' needs at least one tier");
        }
        tiers = List.copyOf(tiers);
        thresholds = thresholds == null ? evenlySpaced(tiers.size()) : List.copyOf(thresholds);
        if (thresholds.size() != tiers.size() - 1) {
            throw new IllegalArgumentException("policy '" + name + "' has " + tiers.size() + " tiers and so needs "
                    + (tiers.size() - 1) + " thresholds, but has " + thresholds);
        }
        for (int i = 0; i < thresholds.size(); i++) {
            double t = thresholds.get(i);
            if (!(t >= 0 && t <= 1) || (i > 0 && t < thresholds.get(i - 1))) {
                throw new IllegalArgumentException(
                        "policy '" + name + "' thresholds must rise within [0, 1] but were " + thresholds);
            }
        }
        budget = budget == null ? Budget.UNLIMITED : budget;
        idk = idk == null ? IdkCheck.ABSTENTION_ONLY : idk;
        streamMode = streamMode == null ? StreamMode.VERIFY_THEN_STREAM : streamMode;
    }

    /** Thresholds that split [0, 1] into equal shares, one per tier. */
    static List<Double> evenlySpaced(int tierCount) {
        return java.util.stream.IntStream.range(1, tierCount)
                .mapToObj(i -> (double) i / tierCount)
                .toList();
    }

    /** The same policy over other tiers (a subset, or wrapped backends) with their thresholds (null: evenly spaced). */
    public CascadePolicy withTiers(List<Tier> newTiers, List<Double> newThresholds) {
        return new CascadePolicy(name, newTiers, newThresholds, budget, idk, streamMode, fallback);
    }

    /** The same policy with other thresholds and budget, as an operator's edit makes it. */
    public CascadePolicy withLimits(List<Double> newThresholds, Budget newBudget) {
        return new CascadePolicy(name, tiers, newThresholds, newBudget, idk, streamMode, fallback);
    }

    /** The same policy with another fallback. */
    public CascadePolicy withFallback(Fallback newFallback) {
        return new CascadePolicy(name, tiers, thresholds, budget, idk, streamMode, newFallback);
    }

    /** The tier a request of this difficulty starts at. */
    public int startTier(double score) {
        for (int i = 0; i < thresholds.size(); i++) {
            if (score <= thresholds.get(i)) {
                return i;
            }
        }
        return tiers.size() - 1;
    }
}
