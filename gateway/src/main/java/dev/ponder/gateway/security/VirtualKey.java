package dev.ponder.gateway.security;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A virtual API key as stored: its hash, never the key. Empty {@code allowedPolicies} / {@code allowedBackends}
 * allow all; a null {@code contentLogging} defers to the policy.
 */
record VirtualKey(
        String id,
        String hash,
        String prefix,
        String name,
        String owner,
        Set<String> allowedPolicies,
        Set<String> allowedBackends,
        Limits limits,
        ContentLogging contentLogging,
        Instant expiresAt,
        Instant createdAt,
        Instant revokedAt) {

    VirtualKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hash, "hash");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a key needs a name but had '" + name + "'");
        }
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("a key needs an owner (team or person) but had '" + owner + "'");
        }
        allowedPolicies = allowedPolicies == null ? Set.of() : Set.copyOf(allowedPolicies);
        allowedBackends = allowedBackends == null ? Set.of() : Set.copyOf(allowedBackends);
        limits = limits == null ? Limits.NONE : limits;
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** Neither revoked nor expired at {@code now}. */
    boolean usableAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }

    boolean allowsPolicy(String policy) {
        return allowedPolicies.isEmpty() || allowedPolicies.contains(policy);
    }

    boolean allowsBackend(String backend) {
        return allowedBackends.isEmpty() || allowedBackends.contains(backend);
    }

    VirtualKey revoked(Instant at) {
        return new VirtualKey(
                id,
                hash,
                prefix,
                name,
                owner,
                allowedPolicies,
                allowedBackends,
                limits,
                contentLogging,
                expiresAt,
                createdAt,
                at);
    }
}
