package dev.ponder.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutcomesPropertiesTest {

    @Test
    void aRetentionUnderOneDayIsRefusedRatherThanDroppingThePartitionsBeingWritten() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new PonderProperties.Outcomes(null, null, null, null, Duration.ofHours(12)))
                .withMessage("ponder.outcomes.retention must be at least 1 day (P1D) but was PT12H");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new PonderProperties.Outcomes(null, null, null, null, Duration.ofDays(-3)));
        assertThat(new PonderProperties.Outcomes(null, null, null, null, Duration.ofDays(1)).retention())
                .isEqualTo(Duration.ofDays(1));
    }

    @Test
    void aNegativeOrHugeLingerIsRefusedWithTheValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new PonderProperties.Outcomes(null, null, null, Duration.ofMillis(-1), null))
                .withMessage("ponder.outcomes.linger must be between 0 and 10s but was PT-0.001S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new PonderProperties.Outcomes(null, null, null, Duration.ofMinutes(1), null));
        assertThat(new PonderProperties.Outcomes(null, null, null, null, null).linger())
                .isEqualTo(Duration.ofMillis(50));
    }
}
