package dev.ponder.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;

/**
 * CSRF tokens kept in the session when there is one (an administrator logged in: every change of the console), and
 * otherwise in a cookie (the login form, double submit: the form's hidden field must match the cookie). Sessions
 * exist only after a login, so an anonymous request, however many, holds nothing on the server; before, each
 * anonymous visit of the login page created a session just to keep the form's token.
 *
 * <p>The cookie is HttpOnly, SameSite=Strict, limited to {@code /admin} and Secure over https; the login that
 * succeeds clears it ({@code CsrfAuthenticationStrategy} saves no token while no session exists yet), and the
 * session gets a token of its own at the console's first call.
 */
final class SessionOrCookieCsrfTokens implements CsrfTokenRepository {

    private static final String HEADER = "X-CSRF-TOKEN";
    private static final String PARAMETER = "_csrf";

    private final HttpSessionCsrfTokenRepository session = new HttpSessionCsrfTokenRepository();
    private final CookieCsrfTokenRepository cookie = new CookieCsrfTokenRepository();

    SessionOrCookieCsrfTokens() {
        session.setHeaderName(HEADER);
        session.setParameterName(PARAMETER);
        cookie.setHeaderName(HEADER);
        cookie.setParameterName(PARAMETER);
        cookie.setCookieName("PONDER-LOGIN-CSRF");
        cookie.setCookiePath("/admin");
        cookie.setCookieCustomizer(c -> c.httpOnly(true).sameSite("Strict"));
    }

    @Override
    public CsrfToken generateToken(HttpServletRequest request) {
        return store(request).generateToken(request);
    }

    @Override
    public void saveToken(CsrfToken token, HttpServletRequest request, HttpServletResponse response) {
        store(request).saveToken(token, request, response);
    }

    @Override
    public CsrfToken loadToken(HttpServletRequest request) {
        return store(request).loadToken(request);
    }

    private CsrfTokenRepository store(HttpServletRequest request) {
        return request.getSession(false) == null ? cookie : session;
    }
}
