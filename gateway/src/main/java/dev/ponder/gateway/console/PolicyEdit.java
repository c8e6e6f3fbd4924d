package dev.ponder.gateway.console;

import java.util.List;

/** A console edit of a policy's thresholds and budgets; a null field keeps the current value. */
record PolicyEdit(List<Double> thresholds, Integer maxEscalations, Double maxCostUsd, Long deadlineMs) {}
