package dev.ponder.gateway.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: request {@code i} is due at {@code start + i / rate} whatever happened to the ones
 * before it, each is sent on its own virtual thread, and its latency runs from when it was due, not from when it was
 * sent. A server that stalls therefore shows its stall in every request that should have been sent meanwhile, instead
 * of quietly slowing the generator down (coordinated omission).
 */
final class LoadGenerator implements AutoCloseable {

    private static final String OVERHEAD_HEADER = "x-ponder-overhead-ms";

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    /**
     * What to send: {@code requests} POSTs of {@code body} to {@code uri} at {@code rate} per second. A request due
     * while {@code inFlightLimit} are outstanding is not sent and counts as an error, so that an overloaded target
     * cannot exhaust the generator's file descriptors, and no due request goes unreported.
     */
    record Load(URI uri, String body, boolean stream, double rate, int requests, Duration timeout, int inFlightLimit) {
        Load {
            if (!(rate > 0) || requests < 1 || inFlightLimit < 1) {
                throw new IllegalArgumentException(
                        "a load needs rate > 0, requests >= 1 and inFlightLimit >= 1 but got " + rate + ", " + requests
                                + " and " + inFlightLimit);
            }
        }
    }

    /**
     * One phase's outcome. Latencies are of successful requests only; {@code ttft} is the time to the first content
     * token of a stream; {@code overhead} is what Ponder reports of itself in {@code x-ponder-overhead-ms}.
     */
    record Result(
            Load load,
            int ok,
            Map<String, Integer> errors,
            Latencies latency,
            Latencies ttft,
            Latencies overhead,
            double achievedRps,
            int maxInFlight) {

        int errorCount() {
            return errors.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    Result run(Load load) {
        int n = load.requests();
        long[] latency = new long[n];
        long[] ttft = new long[n];
        long[] overhead = new long[n];
        boolean[] ok = new boolean[n];
        Arrays.fill(ttft, -1);
        Arrays.fill(overhead, -1);
        ConcurrentMap<String, LongAdder> errors = new ConcurrentHashMap<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        HttpRequest request = HttpRequest.newBuilder(load.uri())
                .header("Content-Type", "application/json")
                .timeout(load.timeout())
                .POST(HttpRequest.BodyPublishers.ofString(load.body()))
                .build();
        double periodNanos = 1e9 / load.rate();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        for (int i = 0; i < n; i++) {
            long due = start + (long) (i * periodNanos);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            if (inFlight.get() >= load.inFlightLimit()) {
                count(errors, "not sent: " + load.inFlightLimit() + " requests in flight (the generator's limit)");
                done.countDown();
                continue;
            }
            int index = i;
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Thread.startVirtualThread(() -> {
                try {
                    ok[index] = load.stream()
                            ? stream(request, due, ttft, index, errors)
                            : complete(request, overhead, index, errors);
                    latency[index] = System.nanoTime() - due;
                } catch (IOException e) {
                    count(errors, e.getClass().getSimpleName() + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inFlight.decrementAndGet();
                    done.countDown();
                }
            });
        }
        boolean finished = await(done, load.timeout().plusSeconds(5));
        double elapsedSeconds = (System.nanoTime() - start) / 1e9;
        if (!finished) {
            count(errors, "unfinished when the phase ended", (int) done.getCount());
        }
        int okCount = 0;
        for (boolean b : ok) {
            okCount += b ? 1 : 0;
        }
        Map<String, Integer> errorCounts = new TreeMap<>();
        errors.forEach((k, v) -> errorCounts.put(k, v.intValue()));
        return new Result(
                load,
                okCount,
                errorCounts,
                Latencies.ofNanos(select(latency, ok)),
                Latencies.ofNanos(select(ttft, ok)),
                Latencies.ofNanos(select(overhead, ok)),
                okCount / elapsedSeconds,
                maxInFlight.get());
    }

    private boolean complete(HttpRequest request, long[] overhead, int index, ConcurrentMap<String, LongAdder> errors)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            count(errors, "HTTP " + response.statusCode() + ": " + abbreviate(response.body()));
            return false;
        }
        response.headers()
                .firstValue(OVERHEAD_HEADER)
                .ifPresent(ms -> overhead[index] = (long) (Double.parseDouble(ms) * 1e6));
        return true;
    }

    /** Reads the SSE stream to its end, marking when the first content token arrived. */
    private boolean stream(
            HttpRequest request, long due, long[] ttft, int index, ConcurrentMap<String, LongAdder> errors)
            throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                StringBuilder body = new StringBuilder();
                lines.lines().forEach(body::append);
                count(errors, "HTTP " + response.statusCode() + ": " + abbreviate(body.toString()));
                return false;
            }
            String line;
            while ((line = lines.readLine()) != null) {
                if (ttft[index] < 0 && line.startsWith("data:") && hasContent(line)) {
                    ttft[index] = System.nanoTime() - due;
                }
                if (line.equals("data: [DONE]")) {
                    return true;
                }
            }
        }
        count(errors, "stream ended without data: [DONE]");
        return false;
    }

    /** A chunk that carries text, not the role-only first chunk nor the empty finish chunk. */
    private static boolean hasContent(String line) {
        int at = line.indexOf("\"content\":\"");
        return at >= 0 && line.charAt(at + "\"content\":\"".length()) != '"';
    }

    private static long[] select(long[] values, boolean[] ok) {
        return java.util.stream.IntStream.range(0, values.length)
                .filter(i -> ok[i] && values[i] >= 0)
                .mapToLong(i -> values[i])
                .toArray();
    }

    private static void count(ConcurrentMap<String, LongAdder> errors, String kind) {
        count(errors, kind, 1);
    }

    private static void count(ConcurrentMap<String, LongAdder> errors, String kind, int times) {
        errors.computeIfAbsent(abbreviate(kind), k -> new LongAdder()).add(times);
    }

    private static String abbreviate(String text) {
        String flat = String.valueOf(text).replaceAll("\\s+", " ");
        return flat.length() <= 160 ? flat : flat.substring(0, 160) + "…";
    }

    private static boolean await(CountDownLatch latch, Duration timeout) {
        try {
            return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
