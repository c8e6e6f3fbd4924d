package dev.ponder.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatenciesTest {

    @Test
    void percentilesAreNearestRanksOfEverySample() {
        long[] nanos = LongStream.rangeClosed(1, 1000).map(ms -> ms * 1_000_000).toArray();

        Latencies latencies = Latencies.ofNanos(nanos);

        assertThat(latencies.count()).isEqualTo(1000);
        assertThat(latencies.p50()).isEqualTo(500.0);
        assertThat(latencies.p90()).isEqualTo(900.0);
        assertThat(latencies.p99()).isEqualTo(990.0);
        assertThat(latencies.max()).isEqualTo(1000.0);
    }

    @Test
    void whatAHopAddsIsTheDifferenceAtEachRank() {
        Latencies direct = new Latencies(10, 1, 2, 3, 4);
        Latencies through = new Latencies(10, 1.5, 3, 6, 10);

        assertThat(through.minus(direct)).isEqualTo(new Latencies(10, 0.5, 1, 3, 6));
    }

    @Test
    void noSamplesGiveNoPercentiles() {
        assertThat(Latencies.ofNanos(new long[0]).row()).isEqualTo("| – | – | – | – |");
    }
}
