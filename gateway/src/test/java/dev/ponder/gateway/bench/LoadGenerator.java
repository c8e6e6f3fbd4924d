package dev.ponder.gateway.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: request {@code i} is due at {@code start + i / rate} whatever happened to the ones
 * before it, each is sent on its own virtual thread, and its latency runs from when it was due, not from when it was
 * sent. A server that stalls therefore shows its stall in every request that should have been sent meanwhile, instead
 * of quietly slowing the generator down (coordinated omission).
 *
 * <p>It speaks HTTP/1.1 itself over blocking sockets, because it shares the cores with what it measures: the request
 * bytes are built once per load, a response is read only as far as its framing, one header and (for streams) its
 * SSE lines need, and connections are kept alive in a pool that grows as needed, since a request that is due cannot
 * wait for a busy connection. The JDK {@code HttpClient} it replaces cost several times more CPU per request and
 * reused connections the server had closed (docs/benchmarks.md, "Harness (fourth session)").
 */
final class LoadGenerator implements AutoCloseable {

    private static final String OVERHEAD_HEADER = "x-ponder-overhead-ms";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    // Idle connections kept per server; more are closed by the generator itself (never under a request), so that a
    // burst of thousands of streams does not leave thousands of idle sockets on both sides of the loopback.
    private static final int MAX_IDLE = 1024;
    private static final com.sun.management.OperatingSystemMXBean OS =
            ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);

    private final ConcurrentMap<InetSocketAddress, Pool> pools = new ConcurrentHashMap<>();

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
     * {@code harnessCpuMs} is the CPU time this whole JVM (the generator, and the mock servers when they run in it)
     * spent during the phase, and {@code connectionsOpened} how many connections the generator opened in it.
     */
    record Result(
            Load load,
            int ok,
            Map<String, Integer> errors,
            Latencies latency,
            Latencies ttft,
            Latencies overhead,
            double achievedRps,
            int maxInFlight,
            double harnessCpuMs,
            int connectionsOpened) {

        int errorCount() {
            return errors.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** This JVM's CPU milliseconds per request due in the phase. */
        double harnessCpuMsPerRequest() {
            return harnessCpuMs / load.requests();
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
        Pool pool = pools.computeIfAbsent(
                new InetSocketAddress(load.uri().getHost(), load.uri().getPort()), Pool::new);
        int openedBefore = pool.opened.get();
        Exchange exchange = new Exchange(pool, request(load), load);
        long cpuBefore = OS.getProcessCpuTime();
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
                    Answer answer = exchange.send(due);
                    if (answer.error() != null) {
                        count(errors, answer.error());
                    } else {
                        ok[index] = true;
                        latency[index] = answer.end() - due;
                        ttft[index] = answer.firstToken() < 0 ? -1 : answer.firstToken() - due;
                        overhead[index] = answer.overheadNanos();
                    }
                } catch (IOException | RuntimeException e) {
                    // a RuntimeException too (say, an overhead header that is not a number): no request unreported
                    count(errors, e.getClass().getSimpleName() + ": " + e.getMessage());
                } finally {
                    inFlight.decrementAndGet();
                    done.countDown();
                }
            });
        }
        boolean finished = await(done, load.timeout().plusSeconds(5));
        double elapsedSeconds = (System.nanoTime() - start) / 1e9;
        double cpuMs = (OS.getProcessCpuTime() - cpuBefore) / 1e6;
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
                maxInFlight.get(),
                cpuMs,
                pool.opened.get() - openedBefore);
    }

    /** The request as it goes on the wire, built once for the whole load. */
    static byte[] request(Load load) {
        URI uri = load.uri();
        byte[] body = load.body().getBytes(StandardCharsets.UTF_8);
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        byte[] head = ("POST " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        return Http1.concat(head, body);
    }

    /**
     * How one request ended: times are {@link System#nanoTime()} values (the first content token's -1 if none was
     * seen); a non-null {@code error} is the kind of failure to count.
     */
    private record Answer(long end, long firstToken, long overheadNanos, String error) {
        static Answer failed(String error) {
            return new Answer(0, -1, -1, error);
        }
    }

    /** The server gave no byte of an answer on a connection the generator had reused. */
    private static final class NoAnswer extends IOException {
        NoAnswer(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One load's request, sent on pooled connections. */
    private record Exchange(Pool pool, byte[] request, Load load) {

        /**
         * Sends the request on an idle connection or a new one. A server may close a connection while it idles in
         * the pool; if a reused connection yields no byte of an answer, the request goes once more on a new one.
         */
        Answer send(long due) throws IOException {
            Connection reused = pool.idle();
            if (reused != null) {
                try {
                    return on(reused, true);
                } catch (NoAnswer e) {
                    // the server had closed it; the request was not answered, so it is sent again
                }
            }
            return on(pool.open(load.timeout()), false);
        }

        private Answer on(Connection connection, boolean reused) throws IOException {
            boolean keep = false;
            try {
                Http1.Head head;
                try {
                    connection.out.write(request);
                    head = connection.in.readHead(OVERHEAD_HEADER);
                } catch (SocketException e) {
                    // a reset or broken pipe: the server had closed it (a timeout is not this, and is not retried)
                    throw reused ? new NoAnswer("no answer on a reused connection", e) : e;
                }
                if (head == null) {
                    String message = "the server closed the connection without an answer";
                    throw reused ? new NoAnswer(message, null) : new IOException(message);
                }
                int status = head.status();
                if (status != 200) {
                    Http1.Collector body = new Http1.Collector(200);
                    connection.in.readBody(head, true, body);
                    keep = reusable(head);
                    return Answer.failed("HTTP " + status + ": " + abbreviate(body.toString()));
                }
                SseScanner sse = load.stream() ? new SseScanner() : null;
                connection.in.readBody(head, true, sse == null ? Http1.DISCARD : sse);
                long end = System.nanoTime();
                keep = reusable(head);
                if (sse != null && !sse.done) {
                    return Answer.failed("stream ended without data: [DONE]");
                }
                long overhead = head.wanted() == null ? -1 : (long) (Double.parseDouble(head.wanted()) * 1e6);
                return new Answer(end, sse == null ? -1 : sse.firstContent, overhead, null);
            } finally {
                if (keep) {
                    pool.release(connection);
                } else {
                    connection.close();
                }
            }
        }

        /** A body framed by its length or chunks, on a connection the server keeps open, can carry the next one. */
        private static boolean reusable(Http1.Head head) {
            return !head.close() && (head.chunked() || head.contentLength() >= 0);
        }
    }

    /**
     * Reads an SSE body line by line as it arrives: when the first {@code data:} line carrying content came (not the
     * role-only first chunk nor the empty finish chunk) and whether {@code data: [DONE]} ended it.
     */
    static final class SseScanner implements Http1.Sink {
        private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] CONTENT = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);

        private byte[] line = new byte[512];
        private int length;
        long firstContent = -1;
        boolean done;

        @Override
        public void accept(byte[] bytes, int offset, int count) {
            for (int i = offset; i < offset + count; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    endOfLine();
                } else {
                    if (length == line.length) {
                        line = Arrays.copyOf(line, length * 2);
                    }
                    line[length++] = b;
                }
            }
        }

        private void endOfLine() {
            int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            length = 0;
            if (end < DATA.length || Http1.indexOf(line, 0, DATA.length, DATA) != 0) {
                return;
            }
            if (end == DONE.length && Http1.indexOf(line, 0, end, DONE) == 0) {
                done = true;
            } else if (firstContent < 0) {
                int at = Http1.indexOf(line, DATA.length, end, CONTENT);
                if (at >= 0 && at + CONTENT.length < end && line[at + CONTENT.length] != '"') {
                    firstContent = System.nanoTime();
                }
            }
        }
    }

    /** Keep-alive connections to one server: the most recently used is taken first, so that the rest can idle. */
    private static final class Pool {
        private final InetSocketAddress address;
        private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
        private final AtomicInteger idleCount = new AtomicInteger();
        private final AtomicInteger opened = new AtomicInteger();

        Pool(InetSocketAddress address) {
            this.address = address;
        }

        Connection idle() {
            Connection c = idle.pollFirst();
            if (c != null) {
                idleCount.decrementAndGet();
            }
            return c;
        }

        Connection open(Duration readTimeout) throws IOException {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout((int) readTimeout.toMillis());
                socket.connect(address, (int) CONNECT_TIMEOUT.toMillis());
                opened.incrementAndGet();
                return new Connection(socket);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        void release(Connection c) {
            if (idleCount.incrementAndGet() > MAX_IDLE) {
                idleCount.decrementAndGet();
                c.close();
            } else {
                idle.offerFirst(c);
            }
        }

        void closeAll() {
            Connection c;
            while ((c = idle()) != null) {
                c.close();
            }
        }
    }

    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final Http1 in;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
            this.in = new Http1(socket.getInputStream(), 4096);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a loopback socket the peer may have closed first: nothing to do
            }
        }
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
        pools.values().forEach(Pool::closeAll);
    }
}
