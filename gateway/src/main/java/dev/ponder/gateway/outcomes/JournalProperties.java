package dev.ponder.gateway.outcomes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code ponder.outcomes.journal.*}: where the outcome writer spills while PostgreSQL is unreachable, and how often it
 * checks whether the database is back. With no {@code dir}, each database gets a directory of its own, so that one
 * gateway's journal is never replayed into another gateway's database.
 */
@ConfigurationProperties("ponder.outcomes.journal")
record JournalProperties(Path dir, Duration probeInterval) {

    JournalProperties {
        probeInterval = probeInterval == null ? Duration.ofSeconds(1) : probeInterval;
        if (probeInterval.isNegative() || probeInterval.isZero()) {
            throw new IllegalArgumentException(
                    "ponder.outcomes.journal.probe-interval must be positive but was " + probeInterval);
        }
    }

    /**
     * The configured directory as given; else {@code ~/.ponder/journal/<12 hex chars of the SHA-256 of the database>}.
     * The database is {@code spring.datasource.url} or, blank, the embedded PostgreSQL's data directory: the embedded
     * server's URL carries a port chosen afresh at each start, so a restart would not find the journal it left.
     */
    Path dirFor(String datasourceUrl, Path embeddedDataDir) {
        if (dir != null) {
            return dir;
        }
        String database = datasourceUrl == null || datasourceUrl.isBlank()
                ? "embedded:" + embeddedDataDir.toAbsolutePath().normalize()
                : datasourceUrl;
        return Path.of(System.getProperty("user.home"), ".ponder", "journal", sha256Prefix(database));
    }

    private static String sha256Prefix(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
