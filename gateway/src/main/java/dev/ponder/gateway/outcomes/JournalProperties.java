package dev.ponder.gateway.outcomes;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code ponder.outcomes.journal.*}: where the outcome writer spills while PostgreSQL is unreachable, and how often it
 * checks whether the database is back.
 */
@ConfigurationProperties("ponder.outcomes.journal")
record JournalProperties(Path dir, Duration probeInterval) {

    JournalProperties {
        dir = dir == null ? Path.of(System.getProperty("user.home"), ".ponder", "journal") : dir;
        probeInterval = probeInterval == null ? Duration.ofSeconds(1) : probeInterval;
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new IllegalArgumentException(
                    "ponder.outcomes.journal.probe-interval must be positive but was " + probeInterval);
        }
    }
}
