package dev.ponder.providers.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import dev.ponder.providers.BackendFactory;
import dev.ponder.providers.BackendSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * CPU per upstream call, the hop alone: an {@code openai} backend as {@link BackendFactory} builds it (Resilience4j,
 * LangChain4j, the upstream HTTP client) calling a loopback mock in this JVM. The mock runs on platform threads of
 * its own, whose CPU is left out; what is counted is every other thread of the JVM but the JIT compilers and GC,
 * from {@code /proc/self/task}. After a closed-loop warm-up, each round sends {@code calls} requests either from
 * {@code callers} threads in a closed loop, or, with {@code rate} set, one virtual thread per request at that fixed
 * rate (the driver's own cost included): sparse calls pay for waking threads that batched ones share.
 *
 * <p>{@code java -cp <providers test classpath> dev.ponder.providers.bench.UpstreamCpuProbe --calls=5000 --callers=1
 * --rounds=3 [--rate=1000] [--stream=true] [--warmup=30000]}
 */
public final class UpstreamCpuProbe {

    private static final double MS_PER_TICK = 10; // clock ticks are 1/100 s on Linux

    static {
        // As the load benchmark's mock: with Nagle's algorithm on, streams through the Apache client stalled in the
        // warm-up, the mock's sockets holding the rest of an answer unsent behind one unacknowledged chunk.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private UpstreamCpuProbe() {}

    public static void main(String[] args) throws Exception {
        int calls = intOption(args, "calls", 5000);
        int callers = intOption(args, "callers", 1);
        int rate = intOption(args, "rate", 0);
        int rounds = intOption(args, "rounds", 3);
        int warmup = intOption(args, "warmup", 30_000);
        boolean stream = intOption(args, "stream", 0) != 0;
        AtomicInteger mockThreads = new AtomicInteger();
        ExecutorService mockPool = Executors.newFixedThreadPool(
                Math.max(callers, 64), r -> new Thread(r, "mock-" + mockThreads.incrementAndGet()));
        HttpServer mock = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        mock.setExecutor(mockPool);
        mock.createContext("/v1/chat/completions", UpstreamCpuProbe::answer);
        mock.start();
        ModelBackend backend = new BackendFactory(Clock.systemUTC())
                .create(
                        "probe",
                        new BackendSpec(
                                "openai",
                                "http://127.0.0.1:" + mock.getAddress().getPort() + "/v1",
                                "sk-probe",
                                "mock",
                                null,
                                null,
                                null,
                                // The bulkhead raised, as in the load benchmark: a stalled round must not fail calls.
                                new BackendSpec.Resilience(
                                        null, null, 100_000, null, null, null, null, null, null, null, null),
                                null,
                                null,
                                null));
        ChatRequest request = ChatRequest.of(List.of(
                ChatMessage.of(Role.SYSTEM, "You are a helpful assistant."),
                ChatMessage.of(Role.USER, "What is the capital of France? Answer in one word, then explain briefly.")));
        Runnable call = stream ? () -> backend.stream(request, delta -> {}) : () -> backend.chat(request);
        closedLoop(call, warmup, 8);
        System.out.printf(
                Locale.ROOT,
                "%s calls, %s%n",
                stream ? "streamed" : "non-streamed",
                rate > 0 ? rate + " per second, one virtual thread each" : callers + " caller(s) in a closed loop");
        for (int round = 0; round < rounds; round++) {
            long[] before = ticks();
            long start = System.nanoTime();
            int errors = rate > 0 ? openLoop(call, calls, rate) : closedLoop(call, calls, callers);
            long[] after = ticks();
            System.out.printf(
                    Locale.ROOT,
                    "round %d: %.3f ms CPU per call (JIT %.3f, GC %.3f, mock %.3f), %.1f s, %d errors%n",
                    round,
                    (after[0] - before[0]) * MS_PER_TICK / calls,
                    (after[1] - before[1]) * MS_PER_TICK / calls,
                    (after[2] - before[2]) * MS_PER_TICK / calls,
                    (after[3] - before[3]) * MS_PER_TICK / calls,
                    (System.nanoTime() - start) / 1e9,
                    errors);
        }
        mock.stop(0);
        mockPool.shutdownNow();
        System.exit(0);
    }

    private static int closedLoop(Runnable call, int calls, int callers) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < callers; c++) {
                threads.submit(() -> {
                    while (next.getAndIncrement() < calls) {
                        attempt(call, errors);
                    }
                });
            }
        }
        return errors.get();
    }

    private static int openLoop(Runnable call, int calls, int rate) {
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < calls; i++) {
                long wait = start + i * interval - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                threads.submit(() -> attempt(call, errors));
            }
        }
        return errors.get();
    }

    private static void attempt(Runnable call, AtomicInteger errors) {
        try {
            call.run();
        } catch (RuntimeException e) {
            if (errors.getAndIncrement() == 0) {
                System.out.println("first error: " + e);
            }
        }
    }

    private static final byte[] COMPLETION =
            ("{\"id\":\"chatcmpl-probe\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"mock\",\"choices\":"
                            + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                            + "word ".repeat(20).strip() + "\"},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":20,\"total_tokens\":40}}")
                    .getBytes(StandardCharsets.UTF_8);
    private static final byte[] CHUNK =
            ("data: {\"id\":\"chatcmpl-probe\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"mock\","
                            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n")
                    .getBytes(StandardCharsets.UTF_8);
    private static final byte[] LAST_CHUNK =
            ("data: {\"id\":\"chatcmpl-probe\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"mock\","
                            + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":"
                            + "{\"prompt_tokens\":20,\"completion_tokens\":20,\"total_tokens\":40}}\n\ndata: [DONE]\n\n")
                    .getBytes(StandardCharsets.UTF_8);

    /** 20 words, as one JSON answer or as 20 SSE chunks without pauses. */
    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (!body.contains("\"stream\" : true") && !body.contains("\"stream\":true")) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, COMPLETION.length);
                exchange.getResponseBody().write(COMPLETION);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            for (int i = 0; i < 20; i++) {
                exchange.getResponseBody().write(CHUNK);
                exchange.getResponseBody().flush();
            }
            exchange.getResponseBody().write(LAST_CHUNK);
        }
    }

    /** CPU ticks so far: [the rest of the JVM, JIT compilers, GC, the mock's threads]. */
    private static long[] ticks() throws IOException {
        long[] out = new long[4];
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long used = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
                int kind = name.startsWith("mock-") || name.startsWith("HTTP-Dispatcher")
                        ? 3
                        : name.contains("CompilerThre") ? 1 : name.startsWith("GC") || name.startsWith("G1") ? 2 : 0;
                out[kind] += used;
            }
        }
        return out;
    }

    private static int intOption(String[] args, String name, int fallback) {
        for (String arg : args) {
            if (arg.startsWith("--" + name + "=")) {
                String value = arg.substring(name.length() + 3);
                return value.equals("true") ? 1 : value.equals("false") ? 0 : Integer.parseInt(value);
            }
        }
        return fallback;
    }
}
