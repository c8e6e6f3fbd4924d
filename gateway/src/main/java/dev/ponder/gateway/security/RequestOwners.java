package dev.ponder.gateway.security;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which virtual key made which request, so that a key can read and label only its own requests (the feedback
 * endpoint checks {@link #owns} with the {@link SecurityAttributes#KEY_ID} of the asking request). Recorded when
 * the request's outcome is published, written to {@code request_keys} with each sync.
 */
public final class RequestOwners {

    private record Owner(String keyId, Instant at) {}

    private final JdbcTemplate jdbc;
    private final Map<String, Owner> unwritten = new ConcurrentHashMap<>();

    RequestOwners(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The key that made the request, if a key made it. */
    public Optional<String> keyOf(String requestId) {
        Owner owner = unwritten.get(requestId);
        if (owner != null) {
            return Optional.of(owner.keyId());
        }
        return jdbc
                .queryForList("SELECT key_id FROM request_keys WHERE request_id = ?", String.class, requestId)
                .stream()
                .findFirst();
    }

    /** Whether {@code keyId} made the request; false for an unknown request or one made without a key. */
    public boolean owns(String keyId, String requestId) {
        return keyId != null && keyOf(requestId).filter(keyId::equals).isPresent();
    }

    void record(String requestId, String keyId, Instant at) {
        unwritten.put(requestId, new Owner(keyId, at));
    }

    /** Writes what was recorded since the last call; what fails stays for the next. */
    void write() {
        if (unwritten.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(unwritten.keySet());
        List<Object[]> rows = new ArrayList<>();
        for (String id : ids) {
            Owner owner = unwritten.get(id);
            rows.add(new Object[] {id, owner.keyId(), Timestamp.from(owner.at())});
        }
        jdbc.batchUpdate(
                "INSERT INTO request_keys (request_id, key_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                rows);
        ids.forEach(unwritten::remove);
    }
}
