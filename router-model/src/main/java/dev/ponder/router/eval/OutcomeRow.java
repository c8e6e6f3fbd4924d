package dev.ponder.router.eval;

import java.util.Map;

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
        outcomes = Map.copyOf(outcomes);
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
