package dev.ponder.gateway.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ponder's own drain at shutdown, before the web server stops: requests in progress (streams included) finish, for at
 * most {@code spring.lifecycle.timeout-per-shutdown-phase}, while every new one is answered 503 with
 * {@code Connection: close}, so that its client retries on a new connection, which reaches another replica.
 *
 * <p>Tomcat's own graceful shutdown stops reading from connections at once: a request on a kept-alive connection (a
 * client's pool, through a Kubernetes Service that no longer lists the pod) had its connection closed without any
 * response, which clients do not retry for a POST. So the server is left running until this drain is over, and then
 * stopped at once ({@code server.shutdown: immediate}).
 *
 * <p>What outlives the drain is cut here, before the server stops: each request's thread is interrupted (a stream is
 * told through its own handler, see {@link #onCut}), which stops its backend call, and has a moment to end its answer
 * (a stream with an error event) and hand its outcome, with what it had sent, to the outcome log. Left to the server's
 * stop, a stream was cut by its closed socket at any time during the rest of the shutdown, and its outcome, if it came
 * before the log closed, blamed the client.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class ShutdownDrain extends OncePerRequestFilter implements SmartLifecycle {

    private static final ApiException SHUTTING_DOWN = shuttingDown("");

    /** What a request cut at the end of the drain is answered, unless its answer had begun (a stream's). */
    static final ApiException CUT = shuttingDown(" and the answer outlived its drain");

    /** How long requests cut at the end of the drain get to end their answers and hand over their outcomes. */
    static final Duration CUT_GRACE = Duration.ofSeconds(3);

    private static ApiException shuttingDown(String why) {
        return new ApiException(
                503,
                "server_error",
                null,
                "server_shutting_down",
                "This Ponder replica is shutting down" + why + "; retry, and another one will answer.",
                Duration.ofSeconds(1));
    }

    /** The threads serving requests now: each serves one request at a time through this filter. */
    private final Set<Thread> inProgress = ConcurrentHashMap.newKeySet();

    /** Those of them the drain cut: their backend calls fail as interrupted, which is not what their clients hear. */
    private final Set<Thread> cut = ConcurrentHashMap.newKeySet();

    /**
     * Those of them writing a whole answer, or the 503 of a request that came during the drain: waited for, never
     * cut (an interrupt would close the connection under the write).
     */
    private final Set<Thread> ending = ConcurrentHashMap.newKeySet();

    /**
     * Those of them that take their cut as a call instead of an interrupt: streams, whose threads write to the client
     * between waits, so that an interrupt landing during a write would close the connection under the stream's last
     * words (seen once in a full test run).
     */
    private final Map<Thread, Runnable> cutHandlers = new ConcurrentHashMap<>();

    private final Object idle = new Object();
    private final Duration timeout;
    private final JsonMapper json;
    private volatile boolean draining;
    private volatile boolean running;

    ShutdownDrain(@Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration timeout, JsonMapper json) {
        this.timeout = timeout;
        this.json = json;
    }

    /** Probes must still tell the truth while draining (readiness says REFUSING_TRAFFIC, liveness UP). */
    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return path.equals("/livez") || path.equals("/readyz") || path.startsWith("/actuator/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // Counted before the check, so that the drain, which sets the flag and then waits for zero, never misses a
        // request that saw the flag unset.
        inProgress.add(Thread.currentThread());
        try {
            if (draining) {
                refuse(response);
                return;
            }
            chain.doFilter(request, response);
            if (draining && !request.isAsyncStarted()) {
                // The server stops as soon as the last request leaves this filter: its answer must be on the wire
                // by then, not in the container's buffer, which it writes only after the filters return. Written
                // without a cut's interrupt, which no one else may have cleared (a request cut while queued).
                passByTheCut();
                finish(response);
            }
        } finally {
            inProgress.remove(Thread.currentThread());
            cutHandlers.remove(Thread.currentThread());
            cut.remove(Thread.currentThread());
            ending.remove(Thread.currentThread());
            if (inProgress.isEmpty() && draining) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }

    /**
     * Answers a request that came during the drain. It stays counted, so that the drain waits for its answer, but the
     * cut passes it by: interrupted, it wrote its 503 on a connection that the interrupt closed (the cut came while
     * it was being refused, seen under load).
     */
    private void refuse(HttpServletResponse response) throws IOException {
        passByTheCut();
        response.setHeader(HttpHeaders.CONNECTION, "close");
        ErrorResponses.write(response, SHUTTING_DOWN, json);
        // Ended here, as an answer finished during the drain: the server may stop as soon as this one leaves.
        finish(response);
    }

    /**
     * Refuses new requests and waits, at most the shutdown phase's timeout, for those in progress; then cuts those
     * still running and waits {@link #CUT_GRACE} for them to end.
     */
    @Override
    public void stop() {
        draining = true;
        if (!awaitIdle(timeout)) {
            // Under the lock a request ending its answer takes: each one is either passed by or has its interrupt
            // cleared.
            synchronized (idle) {
                inProgress.forEach(thread -> {
                    if (!ending.contains(thread)) {
                        cut.add(thread);
                        Runnable handler = cutHandlers.get(thread);
                        if (handler == null) {
                            thread.interrupt();
                        } else {
                            handler.run();
                        }
                    }
                });
            }
            awaitIdle(CUT_GRACE);
        }
        running = false;
    }

    /**
     * From now on a cut of the calling thread's request runs {@code handler} (on the draining thread; it must not
     * block) instead of interrupting the thread. A cut that came before is still the interrupt.
     */
    void onCut(Runnable handler) {
        cutHandlers.put(Thread.currentThread(), handler);
    }

    /** From now on the cut passes the calling thread by, and the interrupt of a cut that came before is cleared. */
    private void passByTheCut() {
        synchronized (idle) {
            ending.add(Thread.currentThread());
            cutThisRequest();
        }
    }

    /**
     * Whether the drain cut the request the calling thread serves. If so, the thread's interrupt is cleared: it has
     * stopped the backend call, and left set it would close the connection the answer is written to (an NIO channel
     * closes under an interrupted writer), so that the client got no answer at all.
     */
    boolean cutThisRequest() {
        if (!cut.contains(Thread.currentThread())) {
            return false;
        }
        Thread.interrupted();
        return true;
    }

    /** Sends what is left of the answer and ends it, as the container does once the filters return. */
    private static void finish(HttpServletResponse response) throws IOException {
        try {
            response.getOutputStream().close();
        } catch (IllegalStateException writerInUse) {
            response.getWriter().close();
        }
    }

    /** Whether no request was in progress any more within {@code wait}. */
    private boolean awaitIdle(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (idle) {
            long left;
            while (!inProgress.isEmpty()) {
                if ((left = deadline - System.nanoTime()) <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(idle, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void start() {
        draining = false;
        running = true;
    }

    /** Not stopped when the context is only paused (the test context cache pauses idle contexts): it still serves. */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stopped before the web server, which is stopped after the graceful-shutdown phase. */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
    }
}
