package dev.ponder.gateway.bench;

import dev.ponder.gateway.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The load benchmark: a mock OpenAI-compatible server, Ponder from its jar in a JVM of its own with outcome logging
 * to a real PostgreSQL, and an open-loop generator on 127.0.0.1, all on this machine's cores. It measures, each
 * time against the mock called directly and through Ponder: latency at a fixed rate, time to first token on streams,
 * the highest sustainable rate, and thousands of concurrent slow streams with Ponder's resident memory. It prints a
 * Markdown report (also written to {@code target/bench/report.md}) and stops by itself after a few minutes.
 *
 * <p>Run: {@code ./mvnw -q -pl gateway -am -Pbench verify}, with knobs as {@code -Dbench.args="--rate=2000 --jfr=true"}
 * (see {@link BenchSettings}).
 */
public final class LoadBenchmark {

    private static final String PROMPT = "What is the capital of France? Answer in one word.";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    // Below the file descriptor limit (ulimit -n 20000 here) with room for the mock's side of each connection.
    private static final int IN_FLIGHT_LIMIT = 8000;

    private final BenchSettings settings;
    private final Report report = new Report();
    private final AtomicLong ponderRequests = new AtomicLong();

    private LoadBenchmark(BenchSettings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        new LoadBenchmark(BenchSettings.parse(args)).run();
        // The embedded PostgreSQL and the mock server's threads go with the JVM.
        System.exit(0);
    }

    private void run() throws IOException {
        Path out = Path.of("target/bench");
        Files.createDirectories(out);
        String database = TestDatabase.create();
        try (MockLlmServer fast =
                        MockLlmServer.start(settings.backendLatency(), settings.tokens(), settings.tokenInterval());
                MockLlmServer slow = MockLlmServer.start(
                        settings.slowLatency(), settings.slowTokens(), settings.slowTokenInterval());
                PonderProcess ponder = PonderProcess.start(
                        settings.jar(), jvmOptions(out), properties(database, fast, slow), out.resolve("ponder.log"));
                LoadGenerator load = new LoadGenerator()) {
            String router = settings.lexical()
                    ? "lexical classifier (lexical features and hashed n-grams, "
                            + LexicalRouter.activate(out, database, out.resolve("ponder.log")) + ")"
                    : "bundled classifier (lexical features and the MiniLM encoder)";
            report.header(settings, fast, slow, jvmOptions(out), router, ponder.memory());
            URI direct = URI.create(fast.baseUrl() + "/chat/completions");
            URI slowDirect = URI.create(slow.baseUrl() + "/chat/completions");
            URI gateway = ponder.uri("/v1/chat/completions");

            // Warm-up, not reported: JIT-compile both paths, rising gently so that a cold JVM is not swamped.
            load.run(load(direct, "mock", false, 500, settings.warmup().dividedBy(5)));
            for (int rate : new int[] {50, 200, 500}) {
                ponderRun(
                        load,
                        load(gateway, "ponder", false, rate, settings.warmup().dividedBy(3)));
            }
            ponderRun(load, load(gateway, "ponder", true, 100, settings.warmup().dividedBy(5)));
            // Then at the measured rate, until what lives as long as the connections has left the young generation.
            ponderRun(load, load(gateway, "ponder", false, settings.rate(), settings.steady()));

            report.section("Added latency at " + (int) settings.rate() + " RPS, non-streaming, "
                    + settings.phase().toSeconds() + " s each");
            LoadGenerator.Result base = load.run(load(direct, "mock", false, settings.rate(), settings.phase()));
            LoadGenerator.Result through =
                    ponderRun(load, load(gateway, "ponder", false, settings.rate(), settings.phase()));
            report.compare(base, through, false);
            Latencies added = through.latency().minus(base.latency());
            report.goal("added p50 <= 1 ms", added.p50() <= 1, added.p50());
            report.goal("added p99 <= 5 ms", added.p99() <= 5, added.p99());
            report.memory("after the latency phase", ponder.memory());

            report.section("Time to first token on streams at " + (int) settings.streamRate() + " RPS, "
                    + settings.streamPhase().toSeconds() + " s each");
            base = load.run(load(direct, "mock", true, settings.streamRate(), settings.streamPhase()));
            through = ponderRun(load, load(gateway, "ponder", true, settings.streamRate(), settings.streamPhase()));
            report.line("Policy `default`, verify-then-stream (the default): the cheap tier's answer is checked whole"
                    + " before its first token is sent.");
            report.line("");
            report.compare(base, through, true);
            LoadGenerator.Result live =
                    ponderRun(load, load(gateway, "ponder/live", true, settings.streamRate(), settings.streamPhase()));
            report.line("");
            report.line("Policy `live`, route-then-stream: the chosen tier streams to the client as it generates.");
            report.line("");
            report.compare(base, live, true);

            report.section("Maximum sustainable RPS, non-streaming (steps of "
                    + settings.stepPhase().toSeconds()
                    + " s; sustained = errors <= " + settings.maxErrorRate() * 100 + " %, p99 <= "
                    + settings.maxP99Ms() + " ms, achieved >= 90 % of the target)");
            report.line("The mock called directly, for the ceiling of the generator and the mock on these cores:");
            report.line("");
            stepUp(load::run, direct, "mock");
            report.line("");
            report.line("Through Ponder:");
            report.line("");
            double sustained = stepUp(l -> ponderRun(load, l), gateway, "ponder");
            report.goal("max RPS >= 4,000", sustained >= 4000, sustained);
            report.memory("after the rate steps", ponder.memory());

            report.section(settings.concurrent() + " concurrent streams against a backend with "
                    + settings.slowLatency().toMillis() + " ms latency (started within "
                    + settings.concurrentRamp().toMillis() + " ms)");
            double rate = settings.concurrent() / (settings.concurrentRamp().toMillis() / 1000.0);
            base = load.run(new LoadGenerator.Load(
                    slowDirect, body("mock", true), true, rate, settings.concurrent(), TIMEOUT, IN_FLIGHT_LIMIT));
            RssSampler sampler = RssSampler.start(ponder);
            through = ponderRun(
                    load,
                    new LoadGenerator.Load(
                            gateway,
                            body("ponder/slow", true),
                            true,
                            rate,
                            settings.concurrent(),
                            TIMEOUT,
                            IN_FLIGHT_LIMIT));
            double peak = sampler.stop();
            report.compare(base, through, true);
            report.line(String.format(
                    Locale.ROOT,
                    "Most in flight at once: %d direct, %d through Ponder. Ponder's RSS peaked at %.0f MiB during the phase.",
                    base.maxInFlight(),
                    through.maxInFlight(),
                    peak));
            report.goal("no errors", through.errorCount() == 0, through.errorCount());
            report.goal("RSS <= 1 GiB (1024 MiB)", peak <= 1024, peak);
            report.memory("at the end", ponder.memory());
            report.line("- load average of the machine at the end: " + Report.loadAverage());
            report.section("Outcome log");
            report.line(String.format(
                    Locale.ROOT,
                    "%d rows in PostgreSQL's `requests` table for %d requests sent to Ponder (every answer and every"
                            + " failure Ponder handled is logged; requests refused before routing are not).",
                    loggedRequests(database),
                    ponderRequests.get()));
        }
        Files.writeString(out.resolve("report.md"), report.text());
        System.out.println("\nReport written to " + out.resolve("report.md").toAbsolutePath());
    }

    private LoadGenerator.Result ponderRun(LoadGenerator generator, LoadGenerator.Load load) {
        ponderRequests.addAndGet(load.requests());
        return generator.run(load);
    }

    /** Raises the rate step by step until a step is not sustained; returns the last sustained rate (0 if none). */
    private double stepUp(Function<LoadGenerator.Load, LoadGenerator.Result> runner, URI uri, String model) {
        report.line("| target RPS | achieved RPS | ok | errors | p50 ms | p90 ms | p99 ms | max ms | sustained |"
                + " harness CPU ms/req |");
        report.line("|---|---|---|---|---|---|---|---|---|---|");
        double sustained = 0;
        for (double rate = settings.stepStart(); rate <= settings.stepLimit(); rate += settings.stepSize()) {
            LoadGenerator.Result step = runner.apply(load(uri, model, false, rate, settings.stepPhase()));
            int total = step.ok() + step.errorCount();
            boolean ok = step.errorCount() <= settings.maxErrorRate() * total
                    && step.latency().p99() <= settings.maxP99Ms()
                    && step.achievedRps() >= 0.9 * rate;
            report.line(String.format(
                    Locale.ROOT,
                    "| %.0f | %.0f | %d | %d %s %s | %.3f |",
                    rate,
                    step.achievedRps(),
                    step.ok(),
                    step.errorCount(),
                    step.latency().row(),
                    ok ? "yes" : "**no**",
                    step.harnessCpuMsPerRequest()));
            report.errors(step);
            if (!ok) {
                break;
            }
            sustained = rate;
            pause(Duration.ofSeconds(1));
        }
        return sustained;
    }

    private LoadGenerator.Load load(URI uri, String model, boolean stream, double rate, Duration length) {
        int requests = (int) Math.max(1, Math.round(rate * length.toMillis() / 1000.0));
        return new LoadGenerator.Load(uri, body(model, stream), stream, rate, requests, TIMEOUT, IN_FLIGHT_LIMIT);
    }

    static String body(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]"
                + (stream ? ",\"stream\":true" : "") + "}";
    }

    private List<String> jvmOptions(Path out) {
        List<String> options = new ArrayList<>(settings.ponderJvmOptions());
        if (settings.jfr()) {
            options.add("-XX:StartFlightRecording=filename="
                    + out.resolve("ponder.jfr").toAbsolutePath() + ",settings=profile,dumponexit=true");
        }
        return options;
    }

    /**
     * Two tiers on the fast mock ({@code ponder}, and {@code ponder/live} that streams without verifying) and two on
     * the slow one ({@code ponder/slow}). The bulkhead is raised so that it measures Ponder, not the default limit of
     * a local GPU server's capacity (64 calls in flight).
     */
    static Map<String, String> properties(String database, MockLlmServer fast, MockLlmServer slow) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spring.datasource.url", database);
        p.put("spring.datasource.username", "postgres");
        p.put("spring.datasource.password", "");
        // No virtual keys: the benchmark measures routing and logging, not key administration.
        p.put("ponder.security.open-mode", "true");
        p.put("ponder.learning.reload-interval", "PT1S");
        backend(p, "small", fast, 0, 0);
        backend(p, "large", fast, 2.5, 10);
        backend(p, "slow-small", slow, 0, 0);
        backend(p, "slow-large", slow, 2.5, 10);
        p.put("ponder.policies.default.tiers", "small,large");
        p.put("ponder.policies.live.tiers", "small,large");
        p.put("ponder.policies.live.stream-mode", "route-then-stream");
        p.put("ponder.policies.slow.tiers", "slow-small,slow-large");
        return p;
    }

    private static void backend(Map<String, String> p, String name, MockLlmServer server, double in, double out) {
        String prefix = "ponder.backends." + name + ".";
        p.put(prefix + "type", "openai");
        p.put(prefix + "base-url", server.baseUrl());
        p.put(prefix + "api-key", "sk-bench-not-secret");
        p.put(prefix + "model", "mock-" + name);
        p.put(prefix + "price.input", Double.toString(in));
        p.put(prefix + "price.output", Double.toString(out));
        p.put(prefix + "resilience.max-concurrent-calls", "20000");
    }

    /** Rows the asynchronous outcome writer has written, once it has stopped growing (at most 15 s). */
    private static long loggedRequests(String database) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long last = -1;
        try (Connection c = DriverManager.getConnection(database, "postgres", "")) {
            while (true) {
                long now;
                try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM requests")) {
                    rs.next();
                    now = rs.getLong(1);
                }
                if (now == last || System.nanoTime() > deadline) {
                    return now;
                }
                last = now;
                pause(Duration.ofSeconds(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count the outcome log's rows", e);
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls Ponder's VmRSS every 50 ms on a virtual thread and keeps the highest. */
    private static final class RssSampler {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile double peak;

        private RssSampler(PonderProcess ponder) {
            thread = Thread.startVirtualThread(() -> {
                while (running) {
                    peak = Math.max(peak, ponder.memory().rssMib());
                    pause(Duration.ofMillis(50));
                }
            });
        }

        static RssSampler start(PonderProcess ponder) {
            return new RssSampler(ponder);
        }

        double stop() {
            running = false;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return peak;
        }
    }

    /** The Markdown report, built as the phases run and echoed to the console as it grows. */
    private static final class Report {
        private final StringBuilder text = new StringBuilder();

        void header(
                BenchSettings s,
                MockLlmServer fast,
                MockLlmServer slow,
                List<String> jvm,
                String router,
                PonderProcess.Memory idle) {
            line("# Ponder load benchmark, " + Instant.now());
            line("");
            line("- machine: " + Runtime.getRuntime().availableProcessors() + " cores (nproc), " + cpuModel()
                    + "; generator, mock servers, Ponder and PostgreSQL all on these cores");
            line("- JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                    + " (Ponder and the generator)");
            line("- Ponder: `java " + String.join(" ", jvm) + " -jar " + s.jar()
                    + "`, outcome logging on (content kept) to PostgreSQL, " + router);
            line("- fast mock: " + fast.describe() + "; slow mock: " + slow.describe());
            line(String.format(Locale.ROOT, "- Ponder's RSS when ready, idle: %.0f MiB", idle.rssMib()));
            line("- load average of the machine when starting (other engineers' builds share these cores): "
                    + loadAverage());
            line(String.format(
                    Locale.ROOT,
                    "- warm-up, not reported: %d s rising from 50 to 500 RPS and streams, then %d s at %.0f RPS",
                    s.warmup().toSeconds(),
                    s.steady().toSeconds(),
                    s.rate()));
            line("- latencies in ms from when each request was due (open loop); percentiles of successful requests");
        }

        void section(String title) {
            line("");
            line("## " + title);
            line("");
        }

        void compare(LoadGenerator.Result direct, LoadGenerator.Result ponder, boolean stream) {
            line("| path | achieved RPS | ok | errors | p50 | p90 | p99 | max |");
            line("|---|---|---|---|---|---|---|---|");
            row("mock directly" + (stream ? ", whole stream" : ""), direct, direct.latency());
            row("through Ponder" + (stream ? ", whole stream" : ""), ponder, ponder.latency());
            line("| added by Ponder (percentile minus percentile) | | | "
                    + ponder.latency().minus(direct.latency()).row());
            if (stream) {
                row("mock directly, first token", direct, direct.ttft());
                row("through Ponder, first token", ponder, ponder.ttft());
                line("| **first token added by Ponder** | | | "
                        + ponder.ttft().minus(direct.ttft()).row());
            } else {
                line("| Ponder's own x-ponder-overhead-ms | | | "
                        + ponder.overhead().row());
            }
            errors(direct);
            errors(ponder);
            harness(direct, ponder);
        }

        /**
         * What the benchmark's own JVM (generator and mock servers) spent per request in each path: CPU it takes from
         * Ponder on the shared cores, and the harness's ceiling.
         */
        void harness(LoadGenerator.Result direct, LoadGenerator.Result ponder) {
            line(String.format(
                    Locale.ROOT,
                    "- harness (this JVM: generator and mocks) CPU per request: %.3f ms direct, %.3f ms through Ponder;"
                            + " connections opened: %d direct, %d to Ponder",
                    direct.harnessCpuMsPerRequest(),
                    ponder.harnessCpuMsPerRequest(),
                    direct.connectionsOpened(),
                    ponder.connectionsOpened()));
        }

        private void row(String name, LoadGenerator.Result r, Latencies latencies) {
            line(String.format(
                    Locale.ROOT,
                    "| %s | %.0f | %d | %d %s",
                    name,
                    r.achievedRps(),
                    r.ok(),
                    r.errorCount(),
                    latencies.row()));
        }

        void errors(LoadGenerator.Result r) {
            r.errors()
                    .forEach((kind, count) ->
                            line("- " + count + " × `" + kind + "` (" + r.load().uri() + ")"));
        }

        void goal(String goal, boolean met, double measured) {
            line(String.format(
                    Locale.ROOT, "- goal %s: **%s** (measured %.2f)", goal, met ? "met" : "MISSED", measured));
        }

        void memory(String when, PonderProcess.Memory m) {
            line(String.format(
                    Locale.ROOT,
                    "- Ponder's memory %s: RSS %.0f MiB, peak RSS so far (VmHWM) %.0f MiB",
                    when,
                    m.rssMib(),
                    m.peakMib()));
        }

        void line(String s) {
            text.append(s).append('\n');
            System.out.println(s);
            System.out.flush();
        }

        String text() {
            return text.toString();
        }

        static String loadAverage() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).strip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String cpuModel() {
            try {
                return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                        .filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).strip())
                        .findFirst()
                        .orElse("unknown CPU");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
