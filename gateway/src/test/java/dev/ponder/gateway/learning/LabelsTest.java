package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.TestDatabase;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

class LabelsTest {

    @Test
    void aShadowLabelWithANulCharacterIsStoredNotLost() {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        Instant at = Instant.parse("2026-11-23T02:55:00Z");

        new Labels(jdbc)
                .save(
                        new Labels.Label(
                                "r1",
                                at,
                                Labels.Source.SHADOW,
                                "small",
                                "large",
                                0.5,
                                "judge:large",
                                "say \0",
                                "\0",
                                "nothing\0",
                                0.001),
                        at);

        assertThat(jdbc.queryForMap("SELECT prompt, answer, reference_answer FROM labels WHERE request_id = 'r1'"))
                .isEqualTo(Map.of("prompt", "say \uFFFD", "answer", "\uFFFD", "reference_answer", "nothing\uFFFD"));
    }
}
