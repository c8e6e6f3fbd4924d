package dev.ponder.gateway.api;

import org.apache.coyote.Processor;
import org.apache.coyote.http11.Http11NioProtocol;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Smaller per-connection and per-request buffers for Tomcat, because Ponder holds thousands of slow streams open at
 * once and Tomcat's buffers are most of the heap each one holds (docs/benchmarks.md, "Per-stream memory"). Every open
 * socket gets an application read and write buffer ({@code socket.appReadBufSize}, {@code appWriteBufSize}, 8 KiB
 * each by default, and the request parser adds the read buffer's size again to its header buffer); every request in
 * progress gets a response buffer of 8 KiB plus a character buffer of 8 K chars (16 KiB). Request bodies and responses
 * of any size still pass, in more reads and writes (a response larger than the buffer is sent chunked); headers up to
 * {@code server.max-http-request-header-size} (8 KiB by default) still fit.
 */
@Component
class SocketBuffers implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    /** Bytes per buffer: a server-sent event or a typical chat request fits; larger ones take a few more calls. */
    static final int SIZE = 2048;

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.setProtocol(LeanHttp11NioProtocol.class.getName());
        factory.addConnectorCustomizers(connector -> {
            connector.setProperty("socket.appReadBufSize", Integer.toString(SIZE));
            connector.setProperty("socket.appWriteBufSize", Integer.toString(SIZE));
        });
    }

    /**
     * Tomcat's HTTP/1.1 connector with {@link #SIZE} as each response's buffer (Tomcat has no setting for it: an HTTP
     * connector leaves it at 8 KiB), whose processors let a request see if its client hung up
     * ({@link TomcatConnections}). Public, with a public constructor: Tomcat instantiates it by name.
     */
    public static final class LeanHttp11NioProtocol extends Http11NioProtocol {

        @Override
        public int getDesiredBufferSize() {
            return SIZE;
        }

        @Override
        protected Processor createProcessor() {
            return new TomcatConnections.Processor(this);
        }
    }
}
