package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.providers.testing.FakeOllamaServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthProberTest {

    @Test
    void keepsEachBackendsLastProbeCurrent() throws InterruptedException {
        FakeOllamaServer server = FakeOllamaServer.start();
        GuardedBackend backend = new BackendFactory(Clock.systemUTC())
                .create(
                        "local",
                        new BackendSpec(
                                "ollama", server.baseUrl(), null, "llama3", null, null, null, null, null, null, null));

        try (HealthProber prober = new HealthProber(List.of(backend), Duration.ofMillis(20))) {
            awaitProbe(backend, true);
            server.close();
            awaitProbe(backend, false);
        }
    }

    private static void awaitProbe(GuardedBackend backend, boolean healthy) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            BackendState.Probe probe = backend.state().lastProbe();
            if (probe != null && probe.healthy() == healthy) {
                return;
            }
            Thread.sleep(10);
        }
        assertThat(backend.state().lastProbe())
                .extracting(BackendState.Probe::healthy)
                .isEqualTo(healthy);
    }
}
