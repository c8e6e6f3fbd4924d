package dev.ponder.gateway.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

/**
 * Gives every request its id before anything else runs, so that logs (MDC {@code requestId}), the outcome log, the
 * response's {@code x-ponder-request-id} and the completion's {@code id} all carry the same one. The header is set
 * here, on every response, so that an error (a 502 after every tier failed, a refused request) names the request too.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIds extends OncePerRequestFilter {

    public static final String ATTRIBUTE = "ponder.requestId";
    public static final String MDC_KEY = "requestId";
    static final String HEADER = "x-ponder-request-id";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = prefix(request) + UUID.randomUUID().toString().replace("-", "");
        request.setAttribute(ATTRIBUTE, id);
        MDC.put(MDC_KEY, id);
        response.setHeader(HEADER, id);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    /** Sets the header again on a response that was reset to answer an error after all. */
    static void restore(HttpServletRequest request, HttpServletResponse response) {
        if (request.getAttribute(ATTRIBUTE) instanceof String id) {
            response.setHeader(HEADER, id);
        }
    }

    /**
     * OpenAI's id prefixes: {@code cmpl-} for legacy text completions, {@code chatcmpl-} for everything else. The path
     * is decoded as Spring MVC's mapping decodes it, so that an encoded path to the same endpoint gets the same kind.
     */
    private static String prefix(HttpServletRequest request) {
        return "/v1/completions".equals(UrlPathHelper.defaultInstance.getPathWithinApplication(request))
                ? "cmpl-"
                : "chatcmpl-";
    }
}
