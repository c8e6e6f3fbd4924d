package dev.ponder.gateway.api;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.ServerHttpObservationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The completion endpoints, Ponder's hot path, served by a servlet of their own mapped ahead of Spring MVC's
 * {@code DispatcherServlet}: its handler lookup, adapter and per-request objects cost more CPU per request than
 * these two fixed paths need (docs/benchmarks.md). Every filter still runs, as for any path (request id, body limit,
 * in-flight limit, virtual keys, Spring Security's firewall, the {@code http.server.requests} observation); errors
 * leave through {@link ErrorResponses} in OpenAI's format as from a controller.
 */
final class CompletionsServlet extends HttpServlet {

    static final String CHAT = "/v1/chat/completions";
    static final String TEXT = "/v1/completions";

    /** One endpoint: reads the request, writes the answer or throws what the client is told. */
    interface Endpoint {
        void complete(HttpServletRequest request, HttpServletResponse response) throws IOException;
    }

    private final transient Map<String, Endpoint> endpoints;
    private final transient ErrorResponses errors;
    private final transient JsonMapper json;

    CompletionsServlet(Map<String, Endpoint> endpoints, ErrorResponses errors, JsonMapper json) {
        this.endpoints = Map.copyOf(endpoints);
        this.errors = errors;
        this.json = json;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getServletPath();
        // The metrics' uri tag, which Spring MVC would take from the mapping it matched.
        var observation = ServerHttpObservationFilter.findObservationContext(request);
        observation.ifPresent(context -> context.setPathPattern(path));
        try {
            if (!"POST".equals(request.getMethod())) {
                throw ErrorResponses.methodNotAllowed(request.getMethod());
            }
            endpoints.get(path).complete(request, response);
        } catch (Exception e) {
            ApiException error = errors.asApiError(e);
            observation.ifPresent(context -> context.setError(e));
            if (!response.isCommitted()) {
                ErrorResponses.write(response, error, json);
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {

        /** Exact paths win over the {@code DispatcherServlet}'s default mapping of {@code /}. */
        @Bean
        ServletRegistrationBean<CompletionsServlet> completionsServlet(
                ChatCompletionsController chat, CompletionsController text, ErrorResponses errors, JsonMapper json) {
            ServletRegistrationBean<CompletionsServlet> registration = new ServletRegistrationBean<>(
                    new CompletionsServlet(Map.of(CHAT, chat, TEXT, text), errors, json), CHAT, TEXT);
            registration.setLoadOnStartup(1);
            return registration;
        }
    }
}
