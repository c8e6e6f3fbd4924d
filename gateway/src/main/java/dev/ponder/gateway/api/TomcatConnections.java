package dev.ponder.gateway.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.coyote.ActionCode;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tomcat's part of noticing a client that hung up while its request waits on a backend ({@link HangUps}), all of it
 * here.
 *
 * <p>The Servlet API cannot tell: once the body is read, Tomcat leaves the connection unread until the answer is
 * written, so a closed connection shows only when a write fails, and an async request is not told either (its
 * {@code AsyncListener.onError} does not fire; docs/benchmarks.md, "Client hang-ups"). Tomcat's own non-blocking check
 * ({@code ActionCode.AVAILABLE}, behind {@code ServletInputStream.isReady()}) reads into the request's buffer, which
 * garbles a next request the client had already sent on the same connection (pipelined: Tomcat answered it 400). So
 * the processor records, on the thread it serves requests on, the connection it serves, and {@link Processor#closed}
 * reads one byte from it without waiting and puts back a byte it gets.
 */
final class TomcatConnections {

    private static final ThreadLocal<Processor> SERVED = new ThreadLocal<>();

    private TomcatConnections() {}

    /** The connection of the request the calling thread serves; null outside Tomcat's HTTP/1.1 processing. */
    static HangUps.Connection current() {
        return SERVED.get();
    }

    /** Tomcat's HTTP/1.1 processor, recording itself as its thread's connection while it serves requests. */
    static final class Processor extends Http11Processor implements HangUps.Connection {

        Processor(AbstractHttp11Protocol<?> protocol) {
            super(protocol, protocol.getAdapter());
        }

        @Override
        public SocketState service(SocketWrapperBase<?> socket) throws IOException {
            SERVED.set(this);
            try {
                return super.service(socket);
            } finally {
                SERVED.remove();
            }
        }

        /**
         * End of stream (the client closed, or shut down its sending side) or a reset. Called on the watching thread
         * while the request's thread runs the cascade and leaves the connection alone; the watch's lock orders each
         * probe before that thread uses the connection again.
         */
        @Override
        public boolean closed() {
            SocketWrapperBase<?> socket = getSocketWrapper();
            ByteBuffer one = ByteBuffer.allocate(1);
            try {
                if (socket.read(false, one) > 0) {
                    // The start of the client's next request: the parser reads it from here.
                    socket.unRead(one.flip());
                }
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        /** What Tomcat does itself when a write finds the client gone: no answer is written, the connection closes. */
        @Override
        public void abandon() {
            action(ActionCode.CLOSE_NOW, null);
        }
    }
}
