package dev.ponder.gateway.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The admin JSON API's bearer token, for scripts: a request to {@code /admin/api/**} that carries
 * {@code Authorization: Bearer <token>} is authenticated by that token alone, for that request alone (nothing goes
 * into a session, so no CSRF token is needed: a browser never adds this header on its own).
 */
final class AdminTokenFilter extends OncePerRequestFilter {

    private final byte[] tokenDigest;
    private final AuthenticationEntryPoint rejected;

    /** {@code token} null: no token is configured, and any bearer token is rejected. */
    AdminTokenFilter(String token, AuthenticationEntryPoint rejected) {
        this.tokenDigest = token == null ? null : sha256(token);
        this.rejected = rejected;
    }

    static boolean carriesBearer(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !carriesBearer(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String given = request.getHeader(HttpHeaders.AUTHORIZATION).substring(7).strip();
        // Comparing digests in constant time leaks neither the token nor its length.
        if (tokenDigest == null || !MessageDigest.isEqual(tokenDigest, sha256(given))) {
            rejected.commence(request, response, new BadCredentialsException("wrong admin token"));
            return;
        }
        SecurityContextHolder.getContext()
                .setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                        "admin-token", null, List.of(new SimpleGrantedAuthority("ROLE_ADMIN"))));
        chain.doFilter(request, response);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
