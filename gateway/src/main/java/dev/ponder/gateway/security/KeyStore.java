package dev.ponder.gateway.security;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.jdbc.core.JdbcTemplate;

/** The {@code api_keys} table. Read in full by the background refresh, never on the request path. */
final class KeyStore {

    private static final String COLUMNS = """
            key_id, key_hash, key_prefix, name, owner, allowed_policies, allowed_backends, rpm_limit, tpm_limit,
            daily_budget_usd, monthly_budget_usd, log_content, expires_at, created_at, revoked_at""";

    private final JdbcTemplate jdbc;

    KeyStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void insert(VirtualKey key) {
        jdbc.update(
                "INSERT INTO api_keys (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, key.id());
                    ps.setString(2, key.hash());
                    ps.setString(3, key.prefix());
                    ps.setString(4, key.name());
                    ps.setString(5, key.owner());
                    ps.setArray(6, ps.getConnection().createArrayOf("text", sorted(key.allowedPolicies())));
                    ps.setArray(7, ps.getConnection().createArrayOf("text", sorted(key.allowedBackends())));
                    ps.setObject(8, key.limits().rpm());
                    ps.setObject(9, key.limits().tpm());
                    ps.setObject(10, key.limits().dailyUsd());
                    ps.setObject(11, key.limits().monthlyUsd());
                    ps.setString(
                            12,
                            key.contentLogging() == null
                                    ? null
                                    : key.contentLogging().wireName());
                    ps.setTimestamp(13, timestamp(key.expiresAt()));
                    ps.setTimestamp(14, timestamp(key.createdAt()));
                    ps.setTimestamp(15, timestamp(key.revokedAt()));
                });
    }

    List<VirtualKey> all() {
        return jdbc.query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, key_id", KeyStore::row);
    }

    Optional<VirtualKey> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM api_keys WHERE key_id = ?", KeyStore::row, id).stream()
                .findFirst();
    }

    /** Revokes the key if it is not already; false when there is no such key. */
    boolean revoke(String id, Instant at) {
        jdbc.update("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", timestamp(at), id);
        return find(id).isPresent();
    }

    private static VirtualKey row(ResultSet rs, int n) throws SQLException {
        String logContent = rs.getString("log_content");
        return new VirtualKey(
                rs.getString("key_id"),
                rs.getString("key_hash"),
                rs.getString("key_prefix"),
                rs.getString("name"),
                rs.getString("owner"),
                strings(rs.getArray("allowed_policies")),
                strings(rs.getArray("allowed_backends")),
                new Limits(
                        rs.getObject("rpm_limit", Integer.class),
                        rs.getObject("tpm_limit", Integer.class),
                        rs.getObject("daily_budget_usd", Double.class),
                        rs.getObject("monthly_budget_usd", Double.class)),
                logContent == null ? null : ContentLogging.parse(logContent, "log_content"),
                instant(rs.getTimestamp("expires_at")),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("revoked_at")));
    }

    private static Set<String> strings(Array array) throws SQLException {
        return array == null ? Set.of() : Set.copyOf(Arrays.asList((String[]) array.getArray()));
    }

    private static Object[] sorted(Set<String> values) {
        return new TreeSet<>(values).toArray();
    }

    private static Timestamp timestamp(Instant at) {
        return at == null ? null : Timestamp.from(at);
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
