package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import tools.jackson.databind.json.JsonMapper;

class OutcomeJournalTest {

    @TempDir
    Path dir;

    @Test
    void aJournalLeftByAnEarlierRunIsReplayedAtStart() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        new Journal(dir).append(List.of(OutcomeRecord.of(Outcomes.escalated("left-over", Instant.now()))));

        try (OutcomeLog outcomeLog = new OutcomeLog(jdbc, dir, 100, 10, Duration.ofMillis(50), Duration.ZERO)) {
            Outcomes.await(() -> outcomeLog.written() == 1);

            assertThat(jdbc.queryForObject("SELECT request_id FROM requests", String.class))
                    .isEqualTo("left-over");
            assertThat(outcomeLog.journalBytes()).isZero();
        }
    }

    @Test
    void aJournalThePostgreSQLThatIsUpRefusesIsSetAsideSoThatLoggingGoesOn() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        // No partition holds the year 2000: PostgreSQL answers, and refuses the row.
        new Journal(dir)
                .append(List.of(
                        OutcomeRecord.of(Outcomes.escalated("too-old", Instant.parse("2000-01-01T00:00:00Z")))));

        try (OutcomeLog outcomeLog = new OutcomeLog(jdbc, dir, 100, 10, Duration.ofMillis(50), Duration.ZERO)) {
            Outcomes.await(() -> outcomeLog.journalBytes() == 0);
            outcomeLog.onOutcome(Outcomes.escalated("fresh", Instant.now()));
            Outcomes.await(() -> outcomeLog.written() == 1);

            assertThat(jdbc.queryForList("SELECT request_id FROM requests", String.class))
                    .containsExactly("fresh");
            try (Stream<Path> files = Files.list(dir)) {
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
        OutcomeLog stopping = new OutcomeLog(jdbc, dir, backlog, 500, Duration.ofMillis(50), Duration.ZERO);
        for (int i = 0; i < backlog; i++) {
            stopping.onOutcome(Outcomes.escalated("backlog-" + i, now));
        }

        stopping.close();

        assertThat(stopping.queueDepth()).as("nothing left only in memory").isZero();
        assertThat(stopping.dropped()).isZero();
        long stored = jdbc.queryForObject("SELECT count(*) FROM requests", Long.class);
        long journalled;
        try (Stream<String> lines = Files.lines(dir.resolve("outcomes.journal"))) {
            journalled = lines.count();
        }
        assertThat(stored + journalled).as("stored now or at the next start").isEqualTo(backlog);
        assertThat(journalled).as("more than a few seconds of writing").isPositive();
    }

    @Test
    void closingWhilePostgreSQLIsDownKeepsTheJournalForTheNextStart() throws Exception {
        // Nothing listens on port 1: every connection is refused at once.
        JdbcTemplate down = new JdbcTemplate(new SimpleDriverDataSource(
                new org.postgresql.Driver(), "jdbc:postgresql://127.0.0.1:1/ponder", "postgres", ""));
        new Journal(dir).append(List.of(OutcomeRecord.of(Outcomes.escalated("left-over", Instant.now()))));
        OutcomeLog stopping = new OutcomeLog(down, dir, 10_000, 100, Duration.ofMillis(50), Duration.ZERO);
        for (int i = 0; i < 1000; i++) {
            stopping.onOutcome(Outcomes.escalated("queued-" + i, Instant.now()));
        }

        stopping.close();

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("outcomes.journal");
        }
        assertThat(replay(new Journal(dir))).hasSize(1001).startsWith("left-over");
    }

    @Test
    void anAppendCutShortByAFullDiskOrACrashCostsOnlyItsOwnRecords() throws Exception {
        Journal journal = new Journal(dir);
        journal.append(List.of(OutcomeRecord.of(Outcomes.escalated("before", Instant.now()))));
        tearAnAppend();

        assertThat(replay(new Journal(dir))).as("replayed as it was left").containsExactly("before");

        journal.append(List.of(OutcomeRecord.of(Outcomes.escalated("before", Instant.now()))));
        tearAnAppend();
        journal.append(List.of(OutcomeRecord.of(Outcomes.escalated("after", Instant.now()))));

        assertThat(replay(journal)).as("appended to after the tear").containsExactly("before", "after");
    }

    /** Appends the first half of a record without its line break: the disk filled up, or the process died. */
    private void tearAnAppend() throws Exception {
        String record =
                JsonMapper.shared().writeValueAsString(OutcomeRecord.of(Outcomes.escalated("torn", Instant.now())));
        Files.writeString(
                dir.resolve("outcomes.journal"), record.substring(0, record.length() / 2), StandardOpenOption.APPEND);
    }

    private static List<String> replay(Journal journal) throws Exception {
        List<String> ids = new ArrayList<>();
        journal.replay(10, records -> records.forEach(r -> ids.add(r.request().requestId())));
        return ids;
    }
}
