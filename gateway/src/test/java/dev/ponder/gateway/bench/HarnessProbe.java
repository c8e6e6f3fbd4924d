package dev.ponder.gateway.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the harness itself costs per request, with no Ponder in between: {@link LoadGenerator} driving the fast
 * {@link MockLlmServer} directly, both in this JVM as in {@link CpuProbe}, so that its "harness CPU" can be told
 * apart from what it measures (docs/benchmarks.md, "Twelfth session"). For each rate: a warm-up at that rate, then
 * {@code rounds} windows of {@code seconds}; prints this JVM's CPU milliseconds per request, in all and by thread.
 *
 * <p>Run: {@code java -cp <test classpath> dev.ponder.gateway.bench.HarnessProbe --rates=1000,4000 --seconds=10
 * --warmup-s=60 --rounds=3}.
 */
public final class HarnessProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private HarnessProbe() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options =
                new LinkedHashMap<>(Map.of("rates", "1000,4000", "seconds", "10", "warmup-s", "60", "rounds", "3"));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        double seconds = Double.parseDouble(options.get("seconds"));
        double warmup = Double.parseDouble(options.get("warmup-s"));
        int rounds = Integer.parseInt(options.get("rounds"));
        long self = ProcessHandle.current().pid();
        try (MockLlmServer fast = MockLlmServer.start(Duration.ZERO, 20, Duration.ofMillis(5));
                LoadGenerator load = new LoadGenerator()) {
            URI mock = URI.create(fast.baseUrl() + "/chat/completions");
            String body = LoadBenchmark.body("mock", false);
            for (String r : options.get("rates").split(",")) {
                double rate = Double.parseDouble(r);
                String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
                load.run(new LoadGenerator.Load(mock, body, false, rate, (int) (rate * warmup), TIMEOUT, 8000));
                Map<String, Long> threads = new java.util.TreeMap<>();
                List<String> perRound = new ArrayList<>();
                double cpuMs = 0;
                int requests = 0;
                int ok = 0;
                LoadGenerator.Result last = null;
                for (int round = 0; round < rounds; round++) {
                    Map<String, Long> before = CpuProbe.threadTicks(self);
                    int n = (int) (rate * seconds);
                    last = load.run(new LoadGenerator.Load(mock, body, false, rate, n, TIMEOUT, 8000));
                    CpuProbe.threadTicks(self)
                            .forEach((k, v) -> threads.merge(k, v - before.getOrDefault(k, 0L), Long::sum));
                    cpuMs += last.harnessCpuMs();
                    requests += n;
                    ok += last.ok();
                    perRound.add(String.format(Locale.ROOT, "%.3f", last.harnessCpuMsPerRequest()));
                }
                int total = requests;
                System.out.printf(
                        Locale.ROOT,
                        "| %.0f RPS | ok %d of %d | harness CPU %.3f ms/req, rounds %s | JIT %.3f | carriers %.3f | p50 %.2f ms | p99 %.2f ms | achieved %.0f RPS | load average %s -> %s |%n",
                        rate,
                        ok,
                        total,
                        cpuMs / total,
                        perRound,
                        ticksPerRequest(threads.getOrDefault(CpuProbe.JIT, 0L), total),
                        ticksPerRequest(threads.getOrDefault(CpuProbe.CARRIERS, 0L), total),
                        last.latency().p50(),
                        last.latency().p99(),
                        last.achievedRps(),
                        loadBefore,
                        Files.readString(Path.of("/proc/loadavg")).strip());
                threads.entrySet().stream()
                        .filter(e -> e.getValue() > 0)
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .forEach(e -> System.out.printf(
                                Locale.ROOT,
                                "    %-32s %.3f ms/req%n",
                                e.getKey(),
                                ticksPerRequest(e.getValue(), total)));
                last.errors().forEach((k, v) -> System.out.println("    " + v + " x " + k));
            }
        }
        System.exit(0);
    }

    private static double ticksPerRequest(long ticks, int requests) {
        return ticks * 1000.0 / CpuProbe.CLOCK_TICKS_PER_SECOND / requests;
    }
}
