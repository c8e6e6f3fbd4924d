package dev.ponder.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The login form of the admin console ({@code GET /admin/login}; Spring Security handles the {@code POST}) and
 * {@code GET /admin/api/session}, which tells a console page who is logged in and the CSRF token to send with each
 * change ({@code X-CSRF-TOKEN} header or {@code _csrf} form field).
 */
@RestController
class AdminSessionController {

    @GetMapping(path = "/admin/login", produces = MediaType.TEXT_HTML_VALUE)
    String login(HttpServletRequest request) {
        String alert = request.getParameter("error") != null
                ? "Wrong user or password."
                : request.getParameter("expired") != null ? "Your session had expired: log in again." : null;
        return loginPage(alert, request);
    }

    /** The login form, with {@code alert} (text, escaped here) above it when not null. */
    static String loginPage(String alert, HttpServletRequest request) {
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Ponder admin</title></head>
                <body><main>
                <h1>Ponder admin</h1>
                %s
                <form method="post" action="/admin/login">
                <label>User <input name="username" autocomplete="username" required></label>
                <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
                <input type="hidden" name="%s" value="%s">
                <button type="submit">Log in</button>
                </form>
                </main></body></html>
                """.formatted(
                        alert == null ? "" : "<p role=\"alert\">" + HtmlUtils.htmlEscape(alert) + "</p>",
                        HtmlUtils.htmlEscape(csrf.getParameterName()),
                        HtmlUtils.htmlEscape(csrf.getToken()));
    }

    @GetMapping("/admin/api/session")
    Map<String, Object> session(Principal principal, HttpServletRequest request) {
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        return Map.of(
                "user",
                principal.getName(),
                "csrf",
                Map.of(
                        "header_name",
                        csrf.getHeaderName(),
                        "parameter_name",
                        csrf.getParameterName(),
                        "token",
                        csrf.getToken()));
    }
}
