package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where a gateway journals by default: a directory of its database's own. */
class JournalPropertiesTest {

    private static final JournalProperties DEFAULTS = new JournalProperties(null, null);
    private static final Path EMBEDDED = Path.of("/var/ponder/pgdata");

    @Test
    void gatewaysOnDifferentDatabasesDefaultToDifferentJournalDirectories() {
        Path one = DEFAULTS.dirFor("jdbc:postgresql://db-one/ponder", EMBEDDED);
        Path other = DEFAULTS.dirFor("jdbc:postgresql://db-two/ponder", EMBEDDED);
        Path embedded = DEFAULTS.dirFor(null, EMBEDDED);
        Path otherEmbedded = DEFAULTS.dirFor("", Path.of("/var/other/pgdata"));

        assertThat(one).isNotEqualTo(other);
        assertThat(embedded).isNotEqualTo(otherEmbedded).isNotIn(one, other);
        assertThat(one.getParent()).isEqualTo(Path.of(System.getProperty("user.home"), ".ponder", "journal"));
        assertThat(one.getFileName().toString()).matches("[0-9a-f]{12}");
    }

    @Test
    void aGatewayRestartedOnTheSameDatabaseFindsTheSameJournalDirectory() {
        assertThat(DEFAULTS.dirFor("jdbc:postgresql://db-one/ponder", EMBEDDED))
                .isEqualTo(DEFAULTS.dirFor("jdbc:postgresql://db-one/ponder", EMBEDDED));
        // The embedded server's port changes at each start; its data directory does not.
        assertThat(DEFAULTS.dirFor(null, EMBEDDED))
                .isEqualTo(DEFAULTS.dirFor(null, Path.of("/var/ponder/../ponder/pgdata")));
    }

    @Test
    void aConfiguredJournalDirectoryIsUsedAsGiven() {
        Path configured = Path.of("/var/lib/ponder/journal");

        assertThat(new JournalProperties(configured, null).dirFor("jdbc:postgresql://db-one/ponder", EMBEDDED))
                .isEqualTo(configured);
    }
}
