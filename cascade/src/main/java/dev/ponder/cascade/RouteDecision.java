package dev.ponder.cascade;

import java.util.List;

/** Where a request would start and why, decided before any model is called. */
public record RouteDecision(String policy, double score, List<Double> thresholds, int startTier, Tier tier) {}
