package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;

class SocketBuffersTest {

    @Test
    void theConnectorGetsSmallSocketAndResponseBuffers() {
        TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
        new SocketBuffers().customize(factory);
        Connector connector = new Connector(factory.getProtocol());
        factory.getConnectorCustomizers().forEach(customizer -> customizer.customize(connector));

        assertThat(connector.getProtocolHandler().getDesiredBufferSize()).isEqualTo(SocketBuffers.SIZE);
        assertThat(String.valueOf(connector.getProperty("socket.appReadBufSize")))
                .isEqualTo("2048");
        assertThat(String.valueOf(connector.getProperty("socket.appWriteBufSize")))
                .isEqualTo("2048");
    }
}
