package dev.ponder.gateway.security;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * All keys in memory, looked up by hash on the request path. The whole table is reloaded in the background every
 * sync, so that a wrong key costs no database read (a flood of random keys cannot reach PostgreSQL) and a key
 * created or revoked on another replica takes effect here within one sync interval; on this replica at once.
 */
final class KeyCache {

    private volatile Map<String, VirtualKey> byHash = Map.of();
    private long changes;

    Optional<VirtualKey> byHash(String hash) {
        return Optional.ofNullable(byHash.get(hash));
    }

    Collection<VirtualKey> all() {
        return byHash.values();
    }

    /** A mark to pass to {@link #replaceAll}: taken before the table is read. */
    synchronized long changes() {
        return changes;
    }

    /**
     * Replaces all keys with a reload, unless a key changed here since {@code mark}: the reload may predate that
     * change (a revocation must not be undone), and the next one will not.
     */
    synchronized void replaceAll(List<VirtualKey> keys, long mark) {
        if (mark == changes) {
            byHash = keys.stream().collect(Collectors.toUnmodifiableMap(VirtualKey::hash, Function.identity()));
        }
    }

    /** Adds or replaces one key, for changes made on this replica. */
    synchronized void put(VirtualKey key) {
        Map<String, VirtualKey> copy = new java.util.HashMap<>(byHash);
        copy.put(key.hash(), key);
        byHash = Map.copyOf(copy);
        changes++;
    }
}
