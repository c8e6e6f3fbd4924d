package dev.ponder.gateway.outcomes;

import static dev.ponder.gateway.outcomes.Outcomes.replay;
import static dev.ponder.gateway.outcomes.Outcomes.spill;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import tools.jackson.databind.json.JsonMapper;

class OutcomeJournalTest {

    // The slot the only journal on the directory takes.
    private static final String SLOT = "slot-0";

    @TempDir
    Path dir;

    @Test
    void aJournalLeftByAnEarlierRunIsReplayedAtStart() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        try (Journal earlier = new Journal(dir)) {
            spill(earlier, "left-over");
        }

        try (OutcomeLog outcomeLog = new OutcomeLog(jdbc, dir, 100, 10, Duration.ofMillis(50), Duration.ZERO)) {
            // The replay counts the row as written before it empties the journal.
            Outcomes.await(() -> outcomeLog.written() == 1 && outcomeLog.journalBytes() == 0);

            assertThat(jdbc.queryForObject("SELECT request_id FROM requests", String.class))
                    .isEqualTo("left-over");
        }
    }

    @Test
    void aJournalThePostgreSQLThatIsUpRefusesIsSetAsideSoThatLoggingGoesOn() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        // No partition holds the year 2000: PostgreSQL answers, and refuses the row.
        try (Journal earlier = new Journal(dir)) {
            earlier.append(
                    List.of(OutcomeRecord.of(Outcomes.escalated("too-old", Instant.parse("2000-01-01T00:00:00Z")))));
        }

        try (OutcomeLog outcomeLog = new OutcomeLog(jdbc, dir, 100, 10, Duration.ofMillis(50), Duration.ZERO)) {
            Outcomes.await(() -> outcomeLog.journalBytes() == 0);
            outcomeLog.onOutcome(Outcomes.escalated("fresh", Instant.now()));
            Outcomes.await(() -> outcomeLog.written() == 1);

            assertThat(jdbc.queryForList("SELECT request_id FROM requests", String.class))
                    .containsExactly("fresh");
            try (Stream<Path> files = Files.list(dir.resolve(SLOT))) {
                Path aside = files.filter(f -> f.getFileName().toString().contains(".rejected-"))
                        .findFirst()
                        .orElseThrow();
                assertThat(Files.readString(aside)).contains("too-old");
            }
        }
    }

    @Test
    void aBacklogLeftAtShutdownIsJournalledForTheNextStart() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        int backlog = 50_000;
        Instant now = Instant.now();
        // A close that writes for 200 ms, not the product's 5 s: no machine stores 50,000 rows in that, while a
        // machine three times as fast as the build machines stores them in 5 s, and nothing would be journalled.
        OutcomeLog stopping =
                new OutcomeLog(jdbc, dir, backlog, 500, Duration.ofMillis(50), Duration.ZERO, Duration.ofMillis(200));
        for (int i = 0; i < backlog; i++) {
            stopping.onOutcome(Outcomes.escalated("backlog-" + i, now));
        }

        stopping.close();

        assertThat(stopping.queueDepth()).as("nothing left only in memory").isZero();
        assertThat(stopping.dropped()).isZero();
        long stored = jdbc.queryForObject("SELECT count(*) FROM requests", Long.class);
        long journalled;
        try (Stream<String> lines = Files.lines(dir.resolve(SLOT).resolve("outcomes.journal"))) {
            journalled = lines.count();
        }
        assertThat(stored + journalled).as("stored now or at the next start").isEqualTo(backlog);
        assertThat(journalled).as("more than the close's writing time").isPositive();
    }

    @Test
    void closingWhilePostgreSQLIsDownKeepsTheJournalForTheNextStart() throws Exception {
        // Nothing listens on port 1: every connection is refused at once.
        JdbcTemplate down = new JdbcTemplate(new SimpleDriverDataSource(
                new org.postgresql.Driver(), "jdbc:postgresql://127.0.0.1:1/ponder", "postgres", ""));
        try (Journal earlier = new Journal(dir)) {
            spill(earlier, "left-over");
        }
        OutcomeLog stopping = new OutcomeLog(down, dir, 10_000, 100, Duration.ofMillis(50), Duration.ZERO);
        for (int i = 0; i < 1000; i++) {
            stopping.onOutcome(Outcomes.escalated("queued-" + i, Instant.now()));
        }

        stopping.close();

        try (Stream<Path> files = Files.list(dir.resolve(SLOT))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("lock", "outcomes.journal");
        }
        try (Journal next = new Journal(dir)) {
            assertThat(replay(next)).hasSize(1001).startsWith("left-over");
        }
    }

    @Test
    void anAppendCutShortByAFullDiskOrACrashCostsOnlyItsOwnRecords() throws Exception {
        try (Journal crashed = new Journal(dir)) {
            spill(crashed, "before");
            tearAnAppend();
        }

        try (Journal journal = new Journal(dir)) {
            assertThat(replay(journal)).as("replayed as it was left").containsExactly("before");

            spill(journal, "before");
            tearAnAppend();
            spill(journal, "after");

            assertThat(replay(journal)).as("appended to after the tear").containsExactly("before", "after");
        }
    }

    /** Appends the first half of a record without its line break: the disk filled up, or the process died. */
    private void tearAnAppend() throws Exception {
        String record =
                JsonMapper.shared().writeValueAsString(OutcomeRecord.of(Outcomes.escalated("torn", Instant.now())));
        Files.writeString(
                dir.resolve(SLOT).resolve("outcomes.journal"),
                record.substring(0, record.length() / 2),
                StandardOpenOption.APPEND);
    }
}
