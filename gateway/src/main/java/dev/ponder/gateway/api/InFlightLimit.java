package dev.ponder.gateway.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sheds load instead of queueing it: with virtual threads nothing else bounds how many requests Ponder holds, and
 * past its capacity every held request slows the others until the heap runs out. Beyond
 * {@code ponder.api.max-in-flight} concurrent {@code /v1} requests (streams included: they are written on the
 * request's thread), one more gets 503 {@code server_overloaded} with Retry-After at once, as OpenAI answers when it
 * is overloaded, so a client backs off or goes elsewhere.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class InFlightLimit extends OncePerRequestFilter {

    private static final ApiException OVERLOADED = new ApiException(
            503,
            "server_error",
            null,
            "server_overloaded",
            "Ponder is at its limit of concurrent requests; retry after a moment.",
            Duration.ofSeconds(1));

    private final Semaphore permits;
    private final JsonMapper json;

    InFlightLimit(ApiProperties properties, JsonMapper json) {
        this.permits = new Semaphore(properties.maxInFlight());
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!permits.tryAcquire()) {
            ErrorResponses.write(response, OVERLOADED, json);
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            permits.release();
        }
    }
}
