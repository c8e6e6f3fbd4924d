package dev.ponder.gateway.api;

import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Notices a client that hung up while nothing of its answer is written yet (a whole answer being made, or a stream
 * before its first write), and interrupts the request's thread, which stops the backend call (its upstream connection
 * closes under the interrupted virtual thread, or a stream's thread interrupts the cascade's) and the cascade with
 * it. Each watched connection is probed every {@link #PERIOD} by one daemon thread for all of them, with a read that
 * does not wait ({@link TomcatConnections}); a request costs an entry in a set while it runs.
 */
@Component
class HangUps implements DisposableBean {

    /** How often a waiting request's connection is probed: the longest a hung-up client goes unnoticed. */
    static final Duration PERIOD = Duration.ofMillis(250);

    private static final Logger log = LoggerFactory.getLogger(HangUps.class);

    /** A client's connection as the web server lets Ponder see it. */
    interface Connection {

        /** Whether the client closed or reset it. Called on the watching thread while the request's thread waits. */
        boolean closed();

        /** No answer is to be written, and the connection is to be closed. Called on the request's thread. */
        void abandon();
    }

    private final Set<Watch> watched = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("ponder-hang-ups").daemon().factory());

    HangUps() {
        watcher.scheduleWithFixedDelay(this::probe, PERIOD.toNanos(), PERIOD.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Watches the client of the request the calling thread serves, until {@link Watch#end()}. */
    Watch watch() {
        Watch watch = new Watch(Thread.currentThread(), TomcatConnections.current());
        if (watch.connection != null) {
            watched.add(watch);
        }
        return watch;
    }

    private void probe() {
        for (Watch watch : watched) {
            try {
                watch.probe();
            } catch (RuntimeException e) {
                // A throwing task is never run again: every other watch would go blind.
                log.warn("Probing a client's connection failed", e);
            }
        }
    }

    @Override
    public void destroy() {
        watcher.shutdownNow();
    }

    /** One request's client, watched from {@link #watch()} until {@link #end()}. */
    final class Watch {

        private final Thread thread;
        private final Connection connection;
        private boolean ended;
        private boolean gone;

        private Watch(Thread thread, Connection connection) {
            this.thread = thread;
            this.connection = connection;
        }

        private synchronized void probe() {
            if (!ended && !gone && connection.closed()) {
                gone = true;
                thread.interrupt();
            }
        }

        /**
         * Stops watching; whether the client hung up. If it did, the interrupt that stopped the backend call is
         * cleared: the thread goes on to log the outcome.
         */
        boolean end() {
            watched.remove(this);
            synchronized (this) {
                ended = true;
                if (gone) {
                    Thread.interrupted();
                }
                return gone;
            }
        }

        /** The client hung up: nothing is written, and the response's status says so to the server's metrics. */
        void abandon(HttpServletResponse response) {
            // Before the container's error state, which would turn a status below 400 into a 500.
            response.setStatus(CascadeCalls.CLIENT_CLOSED);
            connection.abandon();
        }
    }
}
