package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class ApiPropertiesTest {

    @Test
    void theDefaultInFlightLimitGrowsWithTheHeapAt256KibibytesPerRequest() {
        assertThat(ApiProperties.fromHeap(DataSize.ofMegabytes(512).toBytes())).isEqualTo(2048);
        assertThat(ApiProperties.fromHeap(DataSize.ofGigabytes(2).toBytes())).isEqualTo(8192);
    }

    @Test
    void aTinyHeapStillAdmitsAHundredRequests() {
        assertThat(ApiProperties.fromHeap(DataSize.ofMegabytes(4).toBytes())).isEqualTo(100);
    }

    @Test
    void aConfiguredLimitWinsAndMustBePositive() {
        assertThat(new ApiProperties(null, 7, null, null).maxInFlight()).isEqualTo(7);
        assertThatThrownBy(() -> new ApiProperties(null, 0, null, null))
                .hasMessageContaining("max-in-flight must be >= 1 but was 0");
    }

    @Test
    void unsetTheQueueHoldsHalfAsManyAsTheInFlightLimitForAtMostTwentySeconds() {
        ApiProperties properties = new ApiProperties(null, 2048, null, null);

        assertThat(properties.maxQueued()).isEqualTo(1024);
        assertThat(properties.maxQueueWait()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void theQueueMayBeOffButNotNegative() {
        assertThat(new ApiProperties(null, 7, 0, Duration.ZERO).maxQueued()).isZero();
        assertThatThrownBy(() -> new ApiProperties(null, 7, -1, null))
                .hasMessageContaining("max-queued must be >= 0 but was -1");
        assertThatThrownBy(() -> new ApiProperties(null, 7, null, Duration.ofSeconds(-1)))
                .hasMessageContaining("max-queue-wait must not be negative but was PT-1S");
    }
}
