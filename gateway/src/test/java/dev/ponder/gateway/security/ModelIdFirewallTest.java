package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.web.firewall.RequestRejectedException;

/** Which raw URIs may carry an encoded slash; SecurityTest shows what the others would reach. */
class ModelIdFirewallTest {

    private final EncodedSlashes.ModelIdFirewall firewall = new EncodedSlashes.ModelIdFirewall();

    /** As Tomcat hands it over: the servlet path decoded but for the encoded slash, which it passes through. */
    private static MockHttpServletRequest request(String context, String uri, String servletPath) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", uri);
        request.setContextPath(context);
        request.setServletPath(servletPath);
        return request;
    }

    @ParameterizedTest(name = "{0}{1}")
    @CsvSource(textBlock = """
            ''     , /v1/models/ponder%2Fcheap
            ''     , /v1/models/ponder%2fcheap
            /ponder, /ponder/v1/models/ponder%2Fcheap
            """)
    void allowsAnEncodedSlashInAModelId(String context, String uri) {
        String path = uri.substring(context.length());

        assertThatCode(() -> firewall.getFirewalledRequest(request(context, uri, path)))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0}{1}")
    @CsvSource(textBlock = """
            ''     , /v1/models%2Fponder             , /v1/models%2Fponder
            ''     , /v1/%6Dodels/ponder%2Fcheap     , /v1/models/ponder%2Fcheap
            ''     , /v1/models/ponder%252Fcheap     , /v1/models/ponder%2Fcheap
            ''     , /admin%2Findex.html             , /admin%2Findex.html
            ''     , /v1/chat%2Fcompletions          , /v1/chat%2Fcompletions
            """)
    void refusesAnyOtherEncodedSlash(String context, String uri, String servletPath) {
        assertThatThrownBy(() -> firewall.getFirewalledRequest(request(context, uri, servletPath)))
                .isInstanceOf(RequestRejectedException.class);
    }
}
