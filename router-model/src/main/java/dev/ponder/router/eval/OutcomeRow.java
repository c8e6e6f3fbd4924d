package dev.ponder.router.eval;

import java.util.Map;

/** A prompt and how each model did on it (one line of an outcome file). */
public record OutcomeRow(String id, String source, String split, String prompt, Map<String, Outcome> outcomes) {
    public OutcomeRow {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("id must not be blank, got '" + id + "'");
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
