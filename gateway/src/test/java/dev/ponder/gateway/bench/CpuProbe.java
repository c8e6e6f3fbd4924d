package dev.ponder.gateway.bench;

import dev.ponder.gateway.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a request costs, not how fast it goes: on shared cores throughput is noise, CPU time is not. For each variant
 * (Ponder's properties added to the benchmark's), it starts Ponder with the lexical router, warms it up, drives a fixed
 * moderate rate of non-streamed requests, and reports CPU milliseconds per request for Ponder's JVM and for
 * PostgreSQL (its postmaster and every backend, from {@code /proc/<pid>/stat}), and bytes allocated per request
 * (Ponder's {@code jvm.gc.memory.allocated}). Appends to {@code target/bench/cpu.md}.
 *
 * <p>Run (after {@code ./mvnw -B -q -pl gateway -am package -DskipTests}):
 * {@code java -cp <test classpath> dev.ponder.gateway.bench.CpuProbe --rate=300 --seconds=20
 * "base" "no-tracing:management.tracing.sampling.probability=0"}: each variant is {@code name[:key=value;...]}, the
 * keys Ponder properties or {@code jar=} (another build), {@code jvm=} (its JVM options) or {@code main=} (a class of
 * the test class path started instead, such as the floor applications of {@code bench.floor}). The harness column is
 * the CPU of this JVM, i.e. of the load generator and the mock servers.
 * With {@code --rounds=N} the variants run side by side and are measured in turn, N windows of {@code seconds} each.
 */
public final class CpuProbe {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final long CLOCK_TICKS_PER_SECOND = 100;
    /** Thread names as {@link #threadTicks} sums them: the JIT compilers, and the virtual threads' carriers. */
    static final String JIT = "C# CompilerThre";

    static final String CARRIERS = "ForkJoinPool-#-";

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of(
                "rate",
                "300",
                "seconds",
                "20",
                "warmup-s",
                "30",
                "jar",
                "target/ponder.jar",
                "jvm",
                "-Xmx512m",
                "stream",
                "false",
                "jfr",
                "false",
                "concurrent",
                "0",
                "histogram-ms",
                "1300",
                "rounds",
                "1"));
        List<String> variants = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                options.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                variants.add(arg);
            }
        }
        if (variants.isEmpty()) {
            variants.add("base");
        }
        double rate = Double.parseDouble(options.get("rate"));
        Duration phase = Duration.ofMillis((long) (Double.parseDouble(options.get("seconds")) * 1000));
        Duration warmup = Duration.ofMillis((long) (Double.parseDouble(options.get("warmup-s")) * 1000));
        boolean stream = Boolean.parseBoolean(options.get("stream"));
        int rounds = Integer.parseInt(options.get("rounds"));
        boolean jfr = Boolean.parseBoolean(options.get("jfr"));
        Path out = Path.of("target/bench");
        Files.createDirectories(out);
        StringBuilder report = new StringBuilder("\n## CPU per request, " + Instant.now() + ", " + rate + " RPS for "
                + phase.toSeconds() + " s" + (rounds > 1 ? " x " + rounds + " interleaved rounds" : "")
                + (stream ? ", streamed" : "") + ", load average "
                + Files.readString(Path.of("/proc/loadavg")).strip() + "\n\n"
                + "| variant | ok | errors | Ponder CPU ms/req | of which JIT | of which carriers | PostgreSQL CPU ms/req | harness CPU ms/req | alloc KiB/req | p50 ms | p99 ms |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|\n");
        try (MockLlmServer fast = MockLlmServer.start(Duration.ZERO, 20, Duration.ofMillis(5));
                MockLlmServer slow = MockLlmServer.start(Duration.ofMillis(1500), 10, Duration.ofMillis(100));
                LoadGenerator load = new LoadGenerator()) {
            int concurrent = Integer.parseInt(options.get("concurrent"));
            if (rounds > 1) {
                // All variants run at once and are measured in turn, window by window, so that the neighbours'
                // load and the JIT's progress weigh on each alike: on shared cores, sequential runs of the same
                // build differed by more than the changes measured.
                List<Variant> running = new ArrayList<>();
                try {
                    for (String variant : variants) {
                        running.add(Variant.start(variant, options, fast, slow, out));
                    }
                    for (Variant v : running) {
                        v.warmUp(load, rate, warmup, stream);
                    }
                    for (int round = 0; round < rounds; round++) {
                        for (Variant v : running) {
                            v.measure(load, rate, phase, stream, false, out);
                        }
                    }
                    for (Variant v : running) {
                        report.append(v.row()).append('\n');
                        System.out.println(v.row() + "  carriers per round: " + v.carrierRounds());
                        failures(v.database);
                    }
                } finally {
                    running.forEach(Variant::close);
                }
            } else {
                for (String variant : variants) {
                    try (Variant v = Variant.start(variant, options, fast, slow, out)) {
                        if (concurrent > 0) {
                            report.append(streams(
                                            load,
                                            v.ponder,
                                            variant,
                                            concurrent,
                                            Long.parseLong(options.get("histogram-ms"))))
                                    .append('\n');
                        } else {
                            v.warmUp(load, rate, warmup, stream);
                            v.measure(load, rate, phase, stream, jfr, out);
                            System.out.println(v.row());
                            report.append(v.row()).append('\n');
                        }
                        failures(v.database);
                    }
                }
            }
        }
        Files.writeString(
                out.resolve("cpu.md"),
                report,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        System.out.println(report);
        System.exit(0);
    }

    /** One variant's Ponder, its database, and what its measured windows added up to. */
    private static final class Variant implements AutoCloseable {
        private final String name;
        private final String database;
        private final PonderProcess ponder;
        private final int postmaster;
        private final Map<String, Long> threadTicks = new java.util.TreeMap<>();
        private final List<Double> carrierRounds = new ArrayList<>();
        private final Map<String, Integer> errors = new java.util.TreeMap<>();
        private long ponderTicks;
        private long postgresTicks;
        private double harnessCpuMs;
        private double allocatedBytes;
        private int requests;
        private int ok;
        private LoadGenerator.Result last;

        private Variant(String name, String database, PonderProcess ponder, int postmaster) {
            this.name = name;
            this.database = database;
            this.ponder = ponder;
            this.postmaster = postmaster;
        }

        static Variant start(
                String variant, Map<String, String> options, MockLlmServer fast, MockLlmServer slow, Path out)
                throws IOException {
            String[] parts = variant.split(":", 2);
            String database = TestDatabase.create();
            Map<String, String> properties = LoadBenchmark.properties(database, fast, slow);
            if (parts.length > 1) {
                for (String kv : parts[1].split(";")) {
                    int eq = kv.indexOf('=');
                    properties.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            // "jar" picks the jar of this variant, to compare builds side by side.
            Path jar = Path.of(properties.containsKey("jar") ? properties.remove("jar") : options.get("jar"));
            Path log = out.resolve("probe-" + parts[0] + ".log");
            // "jvm" likewise: this variant's JVM options, comma-separated.
            String jvmOptions = properties.containsKey("jvm") ? properties.remove("jvm") : options.get("jvm");
            List<String> jvm = new ArrayList<>(List.of(jvmOptions.split(",")));
            // "main" runs a class of the test class path instead of a jar: the floor applications (bench.floor),
            // which have no router to activate.
            String main = properties.remove("main");
            PonderProcess ponder = main == null
                    ? PonderProcess.start(jar, jvm, properties, log)
                    : PonderProcess.startMain(main, jvm, properties, log);
            if (main == null) {
                LexicalRouter.activate(out, database, log);
            }
            return new Variant(variant, database, ponder, postmaster(database));
        }

        /** Half the rate, then the full rate, for half the warm-up each: the JIT compiles the request path. */
        void warmUp(LoadGenerator load, double rate, Duration warmup, boolean stream) {
            URI gateway = ponder.uri("/v1/chat/completions");
            String body = LoadBenchmark.body("ponder", stream);
            load.run(new LoadGenerator.Load(
                    gateway, body, stream, rate / 2, (int) (rate / 2 * warmup.toSeconds() / 2), TIMEOUT, 8000));
            load.run(new LoadGenerator.Load(
                    gateway, body, stream, rate, (int) (rate * warmup.toSeconds() / 2), TIMEOUT, 8000));
        }

        /** One measured window: the fixed rate for {@code phase}, with the CPU and allocation it cost added up. */
        void measure(LoadGenerator load, double rate, Duration phase, boolean stream, boolean jfr, Path out)
                throws IOException, InterruptedException {
            String label = name.split(":", 2)[0];
            Path recording = out.resolve("probe-" + label + ".jfr").toAbsolutePath();
            if (jfr) {
                jcmd(
                        ponder,
                        "JFR.start",
                        "name=probe",
                        "settings=profile",
                        "jdk.ExecutionSample#period=1ms",
                        "filename=" + recording);
            }
            long ponderBefore = ticks(ponder.pid());
            Map<String, Long> threadsBefore = threadTicks(ponder.pid());
            long postgresBefore = postgresTicks(postmaster);
            double allocatedBefore = allocated(ponder);
            int n = (int) (rate * phase.toMillis() / 1000);
            last = load.run(new LoadGenerator.Load(
                    ponder.uri("/v1/chat/completions"),
                    LoadBenchmark.body("ponder", stream),
                    stream,
                    rate,
                    n,
                    TIMEOUT,
                    8000));
            ponderTicks += ticks(ponder.pid()) - ponderBefore;
            Map<String, Long> threads = threadTicks(ponder.pid());
            threadsBefore.forEach((k, v) -> threads.merge(k, -v, Long::sum));
            threads.forEach((k, v) -> threadTicks.merge(k, v, Long::sum));
            carrierRounds.add(threads.getOrDefault(CARRIERS, 0L) * 1000.0 / CLOCK_TICKS_PER_SECOND / n);
            postgresTicks += postgresTicks(postmaster) - postgresBefore;
            allocatedBytes += allocated(ponder) - allocatedBefore;
            harnessCpuMs += last.harnessCpuMs();
            requests += n;
            ok += last.ok();
            last.errors().forEach((k, v) -> errors.merge(k, v, Integer::sum));
            if (jfr) {
                jcmd(ponder, "JFR.stop", "name=probe");
            }
        }

        String row() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.2f | %.2f |",
                    name,
                    ok,
                    requests - ok,
                    perRequest(ponderTicks),
                    perRequest(threadTicks.getOrDefault(JIT, 0L)),
                    perRequest(threadTicks.getOrDefault(CARRIERS, 0L)),
                    perRequest(postgresTicks),
                    harnessCpuMs / requests,
                    allocatedBytes / 1024 / requests,
                    last.latency().p50(),
                    last.latency().p99());
        }

        String carrierRounds() {
            return carrierRounds.stream()
                    .map(ms -> String.format(Locale.ROOT, "%.2f", ms))
                    .toList()
                    .toString();
        }

        private double perRequest(long ticks) {
            return ticks * 1000.0 / CLOCK_TICKS_PER_SECOND / requests;
        }

        @Override
        public void close() {
            threadTicks.entrySet().stream()
                    .filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> System.out.printf(
                            Locale.ROOT, "  %s %-32s %.3f ms/req%n", name, e.getKey(), perRequest(e.getValue())));
            errors.forEach((k, v) -> System.out.println("  " + v + " x " + k));
            ponder.close();
        }
    }

    /**
     * Memory per in-flight stream: {@code concurrent} streams against the slow mock (1.5 s, then 10 tokens 100 ms
     * apart) started within a second, Ponder's RSS sampled every 50 ms; reports the rise over the idle RSS.
     */
    private static String streams(
            LoadGenerator load, PonderProcess ponder, String variant, int concurrent, long histogramMs) {
        String body = LoadBenchmark.body("ponder/slow", true);
        // A small round first, so that the code paths are loaded and the heap has grown to its working size.
        load.run(new LoadGenerator.Load(ponder.uri("/v1/chat/completions"), body, true, 200, 200, TIMEOUT, 8000));
        double idle = ponder.memory().rssMib();
        double[] peak = {idle};
        boolean[] running = {true};
        Thread sampler = Thread.startVirtualThread(() -> {
            while (running[0]) {
                peak[0] = Math.max(peak[0], ponder.memory().rssMib());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        // While every stream is in flight (the mock holds each 1.5 s before its first token): what is live on the
        // heap, by class (a full GC), for where the memory per stream goes.
        Thread histogram = Thread.startVirtualThread(() -> {
            try {
                Thread.sleep(histogramMs);
                // How many were being processed and how many waited for a place, to divide the heap between them.
                System.out.printf(
                        Locale.ROOT,
                        "  at %d ms: %.0f requests in flight, %.0f queued%n",
                        histogramMs,
                        metric(ponder, "ponder.api.requests.in.flight"),
                        metric(ponder, "ponder.api.requests.queued"));
                Path file = Path.of("target/bench/probe-histogram-" + variant.split(":", 2)[0] + ".txt");
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                        .toString(),
                                Long.toString(ponder.pid()),
                                "GC.class_histogram")
                        .redirectOutput(file.toFile())
                        .start()
                        .waitFor();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        LoadGenerator.Result result = load.run(new LoadGenerator.Load(
                ponder.uri("/v1/chat/completions"), body, true, concurrent, concurrent, TIMEOUT, 8000));
        running[0] = false;
        try {
            histogram.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            sampler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String row = String.format(
                Locale.ROOT,
                "| %s | %d streams | ok %d | errors %d | max in flight %d | RSS idle %.0f MiB, peak %.0f MiB | %.1f KiB per stream | p50 %.0f ms | p99 %.0f ms |",
                variant,
                concurrent,
                result.ok(),
                result.errorCount(),
                result.maxInFlight(),
                idle,
                peak[0],
                (peak[0] - idle) * 1024 / concurrent,
                result.latency().p50(),
                result.latency().p99());
        System.out.println(row);
        result.errors().forEach((k, v) -> System.out.println("  " + v + " x " + k));
        return row;
    }

    /** The outcome log's most frequent attempt failures, to see why a variant fell over. */
    private static void failures(String database) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(database, "postgres", "");
                java.sql.ResultSet rs = c.createStatement()
                        .executeQuery(
                                "SELECT left(error, 300), count(*) FROM attempts WHERE error IS NOT NULL AND error NOT LIKE '%circuit open%' GROUP BY 1 ORDER BY 2 DESC LIMIT 5")) {
            while (rs.next()) {
                System.out.println("  attempt failure " + rs.getLong(2) + " x " + rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            System.out.println("  cannot read the attempts' failures: " + e.getMessage());
        }
    }

    private static void jcmd(PonderProcess ponder, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(ponder.pid())));
        line.addAll(List.of(command));
        new ProcessBuilder(line).inheritIO().start().waitFor();
    }

    /** utime + stime of a process, in clock ticks; with {@code children}, also of its waited-for children. */
    private static long ticks(long pid, boolean children) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14-17 of proc(5), counted from 3 after the command name
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return children ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
        } catch (IOException e) {
            return 0; // the process ended between listing and reading
        }
    }

    private static long ticks(long pid) {
        return ticks(pid, false);
    }

    /** CPU ticks of a process's threads, summed by thread name with digits dropped (all GC workers as one). */
    static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> byName = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("\\d+", "#");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    byName.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return byName;
    }

    /** The postmaster and all its current children, plus the children it has reaped. */
    private static long postgresTicks(int postmaster) throws IOException {
        long total = ticks(postmaster, true);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Integer.parseInt(f[1]) == postmaster) {
                        total += ticks(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return total;
    }

    /** The PostgreSQL server process listening on the database URL's port (its command line has {@code -p port}). */
    private static int postmaster(String database) throws IOException {
        Matcher m = Pattern.compile("//[^:/]+:(\\d+)/").matcher(database);
        if (!m.find()) {
            throw new IllegalStateException("no port in " + database);
        }
        String port = m.group(1);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmd.contains("postgres") && cmd.contains("-p " + port)) {
                        return Integer.parseInt(p.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        throw new IllegalStateException("no postgres process with -p " + port);
    }

    /** Ponder's bytes allocated so far, as Micrometer counts them at each GC. */
    private static double allocated(PonderProcess ponder) {
        return metric(ponder, "jvm.gc.memory.allocated");
    }

    /** The value of one of Ponder's meters, from its actuator; NaN if it has none by that name. */
    private static double metric(PonderProcess ponder, String name) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String json = http.send(
                            HttpRequest.newBuilder(ponder.uri("/actuator/metrics/" + name))
                                    // A Ponder that ran out of heap still accepts connections but never answers.
                                    .timeout(TIMEOUT)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = Pattern.compile("\"value\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
            return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }
}
