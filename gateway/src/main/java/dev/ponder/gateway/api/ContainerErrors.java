package dev.ponder.gateway.api;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Errors Tomcat answers itself, before any servlet (a header over the size limit, an encoded NUL or a malformed
 * escape in the URL), in OpenAI's format instead of Tomcat's HTML page. Runs after Spring Boot's own customizer,
 * which adds the HTML valve: this one takes its place on the host.
 */
@Component
class ContainerErrors implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            Pipeline host = context.getParent().getPipeline();
            for (Valve valve : host.getValves()) {
                if (valve instanceof ErrorReportValve) {
                    host.removeValve(valve);
                }
            }
            host.addValve(new OpenAiErrorReportValve());
            if (context.getParent() instanceof StandardHost standard) {
                // or the host adds Tomcat's default valve again as it starts
                standard.setErrorReportValveClass(OpenAiErrorReportValve.class.getName());
            }
        });
    }

    /** Public, with a public constructor: Tomcat may instantiate it by name. */
    public static final class OpenAiErrorReportValve extends ErrorReportValve {

        private static final JsonMapper JSON = JsonMapper.shared();

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0) {
                return;
            }
            AtomicBoolean ioAllowed = new AtomicBoolean(false);
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return;
            }
            ApiException error = ErrorResponses.containerError(status, response.getMessage());
            String body = JSON.writeValueAsString(ErrorResponses.body(error.getMessage(), error.type(), null, null));
            try {
                response.setContentType("application/json");
                response.setCharacterEncoding(StandardCharsets.UTF_8.name());
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(body);
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // the connection is gone or the response already committed: nothing more can be told
            }
        }
    }
}
