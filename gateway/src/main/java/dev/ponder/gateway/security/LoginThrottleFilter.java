package dev.ponder.gateway.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts each login ({@code POST /admin/login}, after its CSRF check) through the {@link LoginThrottle} before the
 * password is checked: a locked address or name gets the login form again with 429 and {@code Retry-After}, and
 * costs no BCrypt. The client address is the one the forwarded headers name when a trusted proxy sent them
 * ({@code server.forward-headers-strategy}).
 */
final class LoginThrottleFilter extends OncePerRequestFilter {

    private static final RequestMatcher LOGIN =
            PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.POST, "/admin/login");

    private final LoginThrottle throttle;

    LoginThrottleFilter(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    /** Clears the throttle's count of the address and name of a login that succeeded, then does what {@code next} does. */
    AuthenticationSuccessHandler clearingOnSuccess(AuthenticationSuccessHandler next) {
        return (HttpServletRequest request, HttpServletResponse response, Authentication authentication) -> {
            throttle.succeeded(request.getRemoteAddr(), request.getParameter("username"));
            next.onAuthenticationSuccess(request, response, authentication);
        };
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !LOGIN.matches(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!(throttle.attempt(request.getRemoteAddr(), request.getParameter("username"))
                instanceof LoginThrottle.Attempt.Refused refused)) {
            chain.doFilter(request, response);
            return;
        }
        // Whole seconds, rounded up: retrying at the second given is never too early.
        long seconds = (refused.retryAfter().toMillis() + 999) / 1000;
        response.setStatus(429);
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        response.setContentType(MediaType.TEXT_HTML_VALUE);
        response.setCharacterEncoding("UTF-8");
        try (PrintWriter page = response.getWriter()) {
            page.write(AdminSessionController.loginPage(
                    "Too many failed logins from this address or for this user: try again in " + seconds + " s.",
                    request));
        }
    }
}
