package dev.ponder.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.web.firewall.FirewalledRequest;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * An encoded slash ({@code %2F}) in a URL only where a model id carries one: the OpenAI SDKs send
 * {@code models().retrieve("ponder/cheap")} as {@code GET /v1/models/ponder%2Fcheap}. Everywhere else it is refused
 * with 400, as Tomcat refused it before, since paths that read differently before and after decoding are how URL
 * based security is bypassed.
 */
@Configuration(proxyBeanMethods = false)
class EncodedSlashes {

    /** Tomcat hands the slash over still encoded, to the firewall to judge. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> passEncodedSlashes() {
        // Not decoded: Tomcat would then normalize /v1/models/x%2F..%2F..%2Fadmin into the servlet path /admin,
        // which the filter mappings see, while Spring's matchers read the raw URI's segments.
        return factory -> factory.addConnectorCustomizers(
                connector -> connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue()));
    }

    @Bean
    WebSecurityCustomizer modelIdFirewall() {
        return web -> web.httpFirewall(new ModelIdFirewall());
    }

    /** Spring Security's strict firewall, which allows an encoded slash after {@code /v1/models/} alone. */
    static final class ModelIdFirewall implements HttpFirewall {

        private static final String MODELS = "/v1/models/";

        private final StrictHttpFirewall strict = new StrictHttpFirewall();
        private final StrictHttpFirewall modelIds = new StrictHttpFirewall();

        ModelIdFirewall() {
            modelIds.setAllowUrlEncodedSlash(true);
            // Passed through, the %2F stays in the servlet path; %25 is still refused, so a '%' there is one.
            modelIds.getDecodedUrlBlocklist().remove("%");
        }

        @Override
        public FirewalledRequest getFirewalledRequest(HttpServletRequest request) {
            // The raw URI: /v1/models%2Fx or /v1/%6Dodels/x%2Fy are not this endpoint's path as sent.
            boolean modelId = request.getRequestURI()
                    .startsWith(MODELS, request.getContextPath().length());
            return (modelId ? modelIds : strict).getFirewalledRequest(request);
        }

        @Override
        public HttpServletResponse getFirewalledResponse(HttpServletResponse response) {
            return strict.getFirewalledResponse(response);
        }
    }
}
