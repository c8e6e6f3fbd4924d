package dev.ponder.router.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A prompt and how each model did on it (one line of an outcome file). The id is "" when the file gives none: it
 * names the row, and only eval's calibration split reads it.
 */
public record OutcomeRow(String id, String source, String split, String prompt, Map<String, Outcome> outcomes) {
    public OutcomeRow {
        if (id == null) {
            throw new IllegalArgumentException("id must not be null (use \"\" for a row without one)");
        }
        if (prompt == null) {
            throw new IllegalArgumentException("prompt must not be null (row " + id + ")");
        }
        // In the file's order, not Map.copyOf's, which is salted per JVM: training iterates the outcomes (the answer
        // scorer's examples), so that order would give another artifact, and another SHA-256, in every process.
        Map<String, Outcome> copy = new LinkedHashMap<>();
        outcomes.forEach((model, o) -> copy.put(Objects.requireNonNull(model), Objects.requireNonNull(o)));
        outcomes = Collections.unmodifiableMap(copy);
    }

    public boolean has(String... models) {
        for (String m : models) {
            if (!outcomes.containsKey(m)) {
                return false;
            }
        }
        return true;
    }

    public double score(String model) {
        return outcome(model).score();
    }

    public Outcome outcome(String model) {
        Outcome o = outcomes.get(model);
        if (o == null) {
            throw new IllegalArgumentException("row " + id + " has no outcome for model '" + model + "'");
        }
        return o;
    }
}
