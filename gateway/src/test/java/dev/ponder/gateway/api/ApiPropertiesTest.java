package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(new ApiProperties(null, 7).maxInFlight()).isEqualTo(7);
        assertThatThrownBy(() -> new ApiProperties(null, 0))
                .hasMessageContaining("max-in-flight must be >= 1 but was 0");
    }
}
