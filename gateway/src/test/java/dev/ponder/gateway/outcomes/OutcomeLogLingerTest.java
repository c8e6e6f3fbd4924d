package dev.ponder.gateway.outcomes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

class OutcomeLogLingerTest {

    @TempDir
    Path dir;

    @Test
    void outcomesArrivingWithinTheLingerAreWrittenAsOneBatch() throws Exception {
        // 30 ms apart, all five within the linger.
        assertThat(batchesFor(Duration.ofMillis(500), outcomeLog -> Thread.sleep(30)))
                .isEqualTo(1);
    }

    @Test
    void withoutALingerEachOutcomeArrivingAloneIsItsOwnBatch() throws Exception {
        // Each once the writer has taken the one before, however long its write takes: 30 ms apart, outcomes queued
        // behind a write slowed by a loaded machine and went out together.
        assertThat(batchesFor(Duration.ZERO, outcomeLog -> Outcomes.await(() -> outcomeLog.queueDepth() == 0)))
                .isEqualTo(5);
    }

    /** Five outcomes, each alone in the queue when it arrives, {@code next} after each; the batches that stored them. */
    private long batchesFor(Duration linger, Next next) throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        try (OutcomeLog outcomeLog = new OutcomeLog(jdbc, dir, 100, 100, Duration.ofSeconds(1), linger)) {
            for (int i = 0; i < 5; i++) {
                outcomeLog.onOutcome(Outcomes.escalated("r" + i, Instant.now()));
                next.after(outcomeLog);
            }
            Outcomes.await(() -> outcomeLog.written() == 5);
            return outcomeLog.batches();
        }
    }

    /** What happens before the next outcome arrives. */
    private interface Next {
        void after(OutcomeLog outcomeLog) throws InterruptedException;
    }
}
