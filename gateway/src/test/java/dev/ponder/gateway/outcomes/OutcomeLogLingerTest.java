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
        assertThat(batchesFor(Duration.ofMillis(500))).isEqualTo(1);
    }

    @Test
    void withoutALingerEachOutcomeArrivingAloneIsItsOwnBatch() throws Exception {
        assertThat(batchesFor(Duration.ZERO)).isEqualTo(5);
    }

    /** Five outcomes 30 ms apart, each alone in the queue when it arrives; the batches that stored them. */
    private long batchesFor(Duration linger) throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        try (OutcomeLog outcomeLog = new OutcomeLog(jdbc, dir, 100, 100, Duration.ofSeconds(1), linger)) {
            for (int i = 0; i < 5; i++) {
                outcomeLog.onOutcome(Outcomes.escalated("r" + i, Instant.now()));
                Thread.sleep(30);
            }
            Outcomes.await(() -> outcomeLog.written() == 5);
            return outcomeLog.batches();
        }
    }
}
