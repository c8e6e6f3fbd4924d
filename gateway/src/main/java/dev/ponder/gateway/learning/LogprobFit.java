package dev.ponder.gateway.learning;

import dev.ponder.cascade.LogprobConfidence;
import dev.ponder.cascade.Signal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Learns the logprob signal's aggregation ({@link LogprobConfidence}) from the outcome log: every labelled attempt
 * that recorded the signal's features ({@code logprobs.*} in its signals) is a row, and its label says whether that
 * tier's answer was good enough (score >= 0.5; a user's feedback outranks a shadow judge, which outranks an
 * escalation). An escalation is left out when the logprob signal may itself have caused it (no later signal was
 * evaluated): counting those would only teach the model its own doubts back.
 *
 * <p>Reproducible: rows in label order, a seeded split holds out a share to compare the fit with the prior, and the
 * descent is deterministic. With fewer labelled attempts than the configured minimum the prior stays, and the result
 * says so.
 */
final class LogprobFit {

    static final long SEED = 42;
    private static final double HELD_OUT = 0.3;
    private static final int EPOCHS = 2_000;
    private static final double LEARNING_RATE = 0.5;
    private static final JsonMapper JSON = JsonMapper.shared();

    /** What the fit found; {@code model} is the prior when {@code fitted} is false. */
    record Result(
            LogprobConfidence model,
            boolean fitted,
            int labelled,
            int minimum,
            int heldOut,
            double priorLogLoss,
            double fittedLogLoss,
            String note) {

        /** The weights to store with the version: null for the prior, which the gateway has built in. */
        String weightsJson() {
            if (!fitted) {
                return null;
            }
            ArrayNode weights = JSON.createArrayNode();
            Arrays.stream(model.weights()).forEach(weights::add);
            return weights.toString();
        }

        ObjectNode json() {
            ObjectNode m = JSON.createObjectNode();
            m.put("source", fitted ? "fitted" : "prior");
            m.put("labelled_attempts", labelled);
            m.put("min_labelled_attempts", minimum);
            ArrayNode weights = m.putArray("weights");
            Arrays.stream(model.weights()).forEach(weights::add);
            if (fitted) {
                m.put("held_out", heldOut);
                m.put("held_out_log_loss_prior", priorLogLoss);
                m.put("held_out_log_loss_fitted", fittedLogLoss);
            }
            m.put("note", note);
            return m;
        }
    }

    private record Row(double[] features, boolean good) {}

    private LogprobFit() {}

    static Result run(JdbcTemplate jdbc, Instant until, int minimum) {
        List<Row> rows = rows(jdbc, until);
        if (rows.size() < minimum) {
            return new Result(
                    LogprobConfidence.PRIOR,
                    false,
                    rows.size(),
                    minimum,
                    0,
                    Double.NaN,
                    Double.NaN,
                    "kept the prior: " + rows.size() + " labelled attempts with logprob features, fewer than " + minimum
                            + " (ponder.learning.retrain.min-logprob-labels)");
        }
        List<Row> shuffled = new ArrayList<>(rows);
        Collections.shuffle(shuffled, new Random(SEED));
        int held = (int) Math.ceil(shuffled.size() * HELD_OUT);
        List<Row> test = shuffled.subList(0, held);
        List<Row> train = shuffled.subList(held, shuffled.size());
        LogprobConfidence fitted = LogprobConfidence.PRIOR.fit(
                train.stream().map(Row::features).toList(),
                train.stream().map(Row::good).toList(),
                EPOCHS,
                LEARNING_RATE);
        return new Result(
                fitted,
                true,
                rows.size(),
                minimum,
                test.size(),
                logLoss(LogprobConfidence.PRIOR, test),
                logLoss(fitted, test),
                "fitted on " + train.size() + " labelled attempts (seed " + SEED + "), " + test.size() + " held out");
    }

    private static List<Row> rows(JdbcTemplate jdbc, Instant until) {
        record Labelled(String key, String source, double score, String signals) {}
        List<Labelled> labelled = jdbc.query(
                """
                SELECT l.request_id, l.model, l.source, l.score, a.signals::text
                FROM labels l
                JOIN attempts a ON a.created_at = l.request_created_at AND a.request_id = l.request_id
                    AND a.model = l.model
                WHERE l.created_at <= ? AND a.signals -> 'logprobs.mean' IS NOT NULL
                ORDER BY l.created_at, l.id, a.seq""",
                (r, i) -> new Labelled(
                        r.getString(1) + "\n" + r.getString(2), r.getString(3), r.getDouble(4), r.getString(5)),
                Timestamp.from(until));
        // One row per answer (request and model): the label of the highest-ranked source, the first attempt's features.
        Map<String, Labelled> best = new LinkedHashMap<>();
        for (Labelled l : labelled) {
            best.merge(
                    l.key(),
                    l,
                    (old, now) -> RetrainJob.LabelRows.rank(now.source()) > RetrainJob.LabelRows.rank(old.source())
                            ? now
                            : old);
        }
        List<Row> rows = new ArrayList<>();
        for (Labelled l : best.values()) {
            JsonNode signals = JSON.readTree(l.signals());
            if (l.source().equals("escalation") && !laterSignalEvaluated(signals)) {
                continue;
            }
            double[] features = new double[LogprobConfidence.FEATURES.size()];
            for (int i = 0; i < features.length; i++) {
                features[i] = signals.path(Signal.LOGPROBS.key() + "." + LogprobConfidence.FEATURES.get(i))
                        .asDouble();
            }
            rows.add(new Row(features, l.score() >= 0.5));
        }
        return rows;
    }

    /** A signal after the logprobs was evaluated: the logprob signal passed, so something else escalated. */
    private static boolean laterSignalEvaluated(JsonNode signals) {
        return Arrays.stream(Signal.values())
                .filter(s -> s.ordinal() > Signal.LOGPROBS.ordinal())
                .anyMatch(s -> signals.has(s.key()));
    }

    private static double logLoss(LogprobConfidence model, List<Row> rows) {
        double loss = 0;
        for (Row r : rows) {
            double p = Math.min(1 - 1e-12, Math.max(1e-12, model.probability(r.features())));
            loss -= Math.log(r.good() ? p : 1 - p);
        }
        return loss / rows.size();
    }
}
