package dev.ponder.gateway.api;

import jakarta.servlet.DispatcherType;
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
 * It goes out as {@code x-request-id} as well, the header OpenAI's SDKs read into a response's request id.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIds extends OncePerRequestFilter {

    public static final String ATTRIBUTE = "ponder.requestId";
    public static final String MDC_KEY = "requestId";
    private static final String PATH_ATTRIBUTE = "ponder.path";
    static final String HEADER = "x-ponder-request-id";
    private static final String OPENAI_HEADER = "x-request-id";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = decodedPath(request);
        request.setAttribute(PATH_ATTRIBUTE, path);
        String id = prefix(path) + UUID.randomUUID().toString().replace("-", "");
        request.setAttribute(ATTRIBUTE, id);
        MDC.put(MDC_KEY, id);
        setHeaders(response, id);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    /** Sets the header again on a response that was reset to answer an error after all. */
    static void restore(HttpServletRequest request, HttpServletResponse response) {
        if (request.getAttribute(ATTRIBUTE) instanceof String id) {
            setHeaders(response, id);
        }
    }

    private static void setHeaders(HttpServletResponse response, String id) {
        response.setHeader(HEADER, id);
        response.setHeader(OPENAI_HEADER, id);
    }

    /**
     * The request's path decoded as Spring MVC's mapping decodes it (by the raw URI, {@code /%761/chat/completions}
     * would pass for another path than the one it reaches). Decoded once, here, for every filter that asks
     * (three did, each decoding it again).
     */
    public static String path(HttpServletRequest request) {
        return request.getAttribute(PATH_ATTRIBUTE) instanceof String path ? path : decodedPath(request);
    }

    /**
     * {@link UrlPathHelper#getPathWithinApplication}, whose decoding (the request's character encoding parsed from
     * its Content-Type, then the URI decoded) is a no-op on the paths clients send: with no escape, no
     * {@code ;parameter}, no doubled slash and no context path, the raw URI is already that path.
     */
    static String decodedPath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        if (request.getDispatcherType() == DispatcherType.REQUEST
                && request.getContextPath().isEmpty()
                && uri.startsWith("/")
                && uri.indexOf('%') < 0
                && uri.indexOf(';') < 0
                && !uri.contains("//")) {
            return uri;
        }
        return UrlPathHelper.defaultInstance.getPathWithinApplication(request);
    }

    /**
     * OpenAI's id prefixes: {@code cmpl-} for legacy text completions, {@code chatcmpl-} for everything else. By the
     * decoded path, so that an encoded path to the same endpoint gets the same kind.
     */
    private static String prefix(String path) {
        return "/v1/completions".equals(path) ? "cmpl-" : "chatcmpl-";
    }
}
