package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartupHeapTest {

    @Test
    void promotesWhatSurvivedAYoungCollectionOutOfTheSurvivorSpace() {
        List<byte[]> startUpState = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            startUpState.add(new byte[64]);
        }
        churnUntilAYoungCollection();
        assertThat(survivorBytes())
                .as("the start-up state sits in a survivor space")
                .isPositive();

        new StartupHeap().promote();

        assertThat(survivorBytes()).isZero();
        assertThat(startUpState).hasSize(20_000);
    }

    private static void churnUntilAYoungCollection() {
        long before = collections();
        byte[][] garbage = new byte[64][];
        for (int i = 0; collections() == before; i++) {
            garbage[i & 63] = new byte[16 * 1024];
        }
    }

    private static long collections() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount)
                .sum();
    }

    private static long survivorBytes() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getName().contains("Survivor"))
                .mapToLong(pool -> pool.getUsage().getUsed())
                .sum();
    }
}
