package dev.ponder.gateway.outcomes;

import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes outcome records with multi-row inserts, idempotently: a row whose request id (and attempt number) is already
 * stored is skipped, so a batch written again after a failure, or replayed from the journal, never doubles.
 */
final class OutcomeStore {

    // PostgreSQL's protocol caps a statement at 32,767 parameters.
    private static final int MAX_PARAMETERS = 30_000;

    private static final String REQUESTS = """
            INSERT INTO requests (request_id, created_at, policy, requested_model, score, start_tier, status,
                http_status, answered_by, answered_model, answered_tier, attempts, escalations, total_ms,
                backend_ms, input_tokens, output_tokens, cost_usd, stream, error, prompt, answer, key_id)
            VALUES
            """;
    private static final String REQUEST_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String ATTEMPTS = """
            INSERT INTO attempts (request_id, created_at, seq, tier, tier_name, backend, model, verdict,
                latency_ms, first_token_ms, input_tokens, output_tokens, cost_usd, signals, error, decided_by)
            VALUES
            """;
    private static final String ATTEMPT_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    OutcomeStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(new JdbcTransactionManager(jdbc.getDataSource()));
    }

    /**
     * Writes the records' requests and their attempts in one transaction: a reader sees a request with all its
     * attempts or not at all.
     */
    void write(List<OutcomeRecord> records) {
        List<Object[]> requests = new ArrayList<>(records.size());
        List<Object[]> attempts = new ArrayList<>();
        for (OutcomeRecord r : records) {
            requests.add(storable(r.request().values()));
            r.attempts().forEach(a -> attempts.add(storable(a.values())));
        }
        tx.executeWithoutResult(status -> {
            insert(REQUESTS, REQUEST_ROW, requests);
            insert(ATTEMPTS, ATTEMPT_ROW, attempts);
        });
    }

    private static Object[] storable(Object[] row) {
        for (int i = 0; i < row.length; i++) {
            if (row[i] instanceof String text) {
                row[i] = StorableText.of(text);
            }
        }
        return row;
    }

    private void insert(String head, String row, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        int width = rows.getFirst().length;
        int perStatement = MAX_PARAMETERS / width;
        for (int from = 0; from < rows.size(); from += perStatement) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + perStatement));
            String sql = head + String.join(",", Collections.nCopies(chunk.size(), row)) + " ON CONFLICT DO NOTHING";
            Object[] args = new Object[chunk.size() * width];
            for (int i = 0; i < chunk.size(); i++) {
                System.arraycopy(chunk.get(i), 0, args, i * width, width);
            }
            jdbc.update(sql, ps -> {
                for (int i = 0; i < args.length; i++) {
                    // An untyped null lets the server infer the column's type, with no metadata round trip.
                    if (args[i] == null) {
                        ps.setNull(i + 1, Types.NULL);
                    } else {
                        ps.setObject(i + 1, args[i]);
                    }
                }
            });
        }
    }
}
