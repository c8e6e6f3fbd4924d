package dev.ponder.gateway.security;

import dev.ponder.gateway.api.ApiException;
import dev.ponder.gateway.config.StartupFailure;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.jdbc.JdbcDaoImpl;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.savedrequest.NullRequestCache;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Admin authentication for {@code /admin/**}, separate from virtual keys: administrators in {@code admin_users}
 * with BCrypt password hashes, form login with a session and CSRF protection for the console, and for the JSON API
 * also a bearer token (see {@link AdminTokenFilter}). The bootstrap administrator's password comes from
 * {@code PONDER_ADMIN_PASSWORD} or a file; each start stores its hash, so changing the secret changes the password.
 * Nothing outside {@code /admin/**} passes through Spring Security: {@code /v1} has its own filter.
 */
@Configuration(proxyBeanMethods = false)
class AdminSecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AdminSecurityConfiguration.class);

    private static final RequestMatcher API =
            PathPatternRequestMatcher.withDefaults().matcher("/admin/api/**");

    /**
     * The console is static files from the jar and renders what it shows as text, never markup: a policy that runs
     * only those files keeps a prompt, answer or key name from running as script even if some rendering slipped,
     * and no other site may frame the console.
     */
    private static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    /** The longest password BCrypt hashes (Spring Security refuses longer ones rather than cut them). */
    private static final int BCRYPT_MAX_BYTES = 72;

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService adminUsers(
            JdbcTemplate jdbc, PasswordEncoder encoder, SecurityProperties security, Clock clock) {
        SecurityProperties.Admin admin = security.admin();
        String password = admin.resolvedPassword();
        if (password != null) {
            int bytes = password.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > BCRYPT_MAX_BYTES) {
                // BCrypt refused it with an exception whose stack trace buried the reason; never repeat the value.
                throw StartupFailure.configuration(
                        "ponder.security.admin.password (PONDER_ADMIN_PASSWORD): the password has " + bytes
                                + " bytes in UTF-8, more than the " + BCRYPT_MAX_BYTES + " BCrypt can hash; choose"
                                + " one of at most " + BCRYPT_MAX_BYTES + " bytes",
                        null);
            }
            bootstrap(jdbc, encoder, admin.username(), password, clock);
        }
        if (password == null && admin.resolvedToken() == null) {
            log.warn("No admin credential configured (PONDER_ADMIN_PASSWORD or PONDER_ADMIN_TOKEN): /admin is"
                    + " locked for administrators not already in the database");
        }
        JdbcDaoImpl users = new JdbcDaoImpl();
        users.setJdbcTemplate(jdbc);
        users.setUsersByUsernameQuery("SELECT username, password_hash, true FROM admin_users WHERE username = ?");
        users.setAuthoritiesByUsernameQuery("SELECT username, 'ROLE_ADMIN' FROM admin_users WHERE username = ?");
        return users;
    }

    private static void bootstrap(
            JdbcTemplate jdbc, PasswordEncoder encoder, String user, String password, Clock clock) {
        String stored =
                jdbc
                        .queryForList("SELECT password_hash FROM admin_users WHERE username = ?", String.class, user)
                        .stream()
                        .findFirst()
                        .orElse(null);
        if (stored != null && encoder.matches(password, stored)) {
            return;
        }
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("""
                INSERT INTO admin_users (username, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash,
                    updated_at = EXCLUDED.updated_at
                """, user, encoder.encode(password), now, now);
        log.info(
                "Bootstrap administrator '{}' {} from the configured password",
                user,
                stored == null ? "created" : "updated");
    }

    @Bean
    LoginThrottle loginThrottle(SecurityProperties security, Clock clock) {
        return new LoginThrottle(security.login(), clock);
    }

    @Bean
    SecurityFilterChain adminChain(
            HttpSecurity http,
            SecurityProperties security,
            LoginThrottle loginThrottle,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver errors)
            throws Exception {
        AuthenticationEntryPoint apiUnauthorized = (request, response, e) -> errors.resolveException(
                request,
                response,
                null,
                new ApiException(
                        401,
                        "invalid_request_error",
                        null,
                        "unauthorized",
                        "The admin API needs an administrator: log in at /admin/login or send the admin token"
                                + " as a Bearer token.",
                        null));
        AccessDeniedHandler apiDenied = (request, response, e) -> errors.resolveException(
                request,
                response,
                null,
                new ApiException(
                        403,
                        "invalid_request_error",
                        null,
                        "forbidden",
                        "Forbidden: a change through a session needs its CSRF token (see GET /admin/api/session).",
                        null));
        LoginThrottleFilter throttle = new LoginThrottleFilter(loginThrottle);
        // No session before a login succeeds (each would hold heap for a visitor who never logs in): the failed
        // login is told by ?error, not a session attribute; nothing anonymous is saved to return to (the console is
        // one page, its routes in the fragment, which no request carries); the login form's CSRF token is a cookie.
        SimpleUrlAuthenticationFailureHandler failed = new SimpleUrlAuthenticationFailureHandler("/admin/login?error");
        failed.setAllowSessionCreation(false);
        SimpleUrlAuthenticationSuccessHandler succeeded = new SimpleUrlAuthenticationSuccessHandler("/admin/");
        succeeded.setAlwaysUseDefaultTargetUrl(true);
        http.securityMatcher("/admin/**")
                .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(CONTENT_SECURITY_POLICY))
                        // Request ids and search terms in console URLs stay on this origin.
                        .referrerPolicy(r -> r.policy(ReferrerPolicy.SAME_ORIGIN)))
                .authorizeHttpRequests(a -> a.requestMatchers(HttpMethod.GET, "/admin/login")
                        .permitAll()
                        .anyRequest()
                        .hasRole("ADMIN"))
                .formLogin(f -> f.loginPage("/admin/login")
                        .loginProcessingUrl("/admin/login")
                        .successHandler(throttle.clearingOnSuccess(succeeded))
                        .failureHandler(failed)
                        .permitAll())
                .requestCache(r -> r.requestCache(new NullRequestCache()))
                .logout(l -> l.logoutUrl("/admin/logout").logoutSuccessUrl("/admin/login"))
                .csrf(c -> c.csrfTokenRepository(new SessionOrCookieCsrfTokens())
                        .ignoringRequestMatchers(AdminTokenFilter::carriesBearer))
                .httpBasic(b -> b.disable())
                .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(apiUnauthorized, API)
                        .defaultAuthenticationEntryPointFor(
                                new LoginUrlAuthenticationEntryPoint("/admin/login"), request -> true)
                        .defaultAccessDeniedHandlerFor(apiDenied, API)
                        // The login or logout form posted with the token of a session that is gone (a restart, a
                        // timeout): the page to log in again, not the API's JSON error.
                        .defaultAccessDeniedHandlerFor(
                                (request, response, denied) -> response.sendRedirect("/admin/login?expired"),
                                request -> true))
                .addFilterBefore(
                        new AdminTokenFilter(security.admin().resolvedToken(), apiUnauthorized),
                        UsernamePasswordAuthenticationFilter.class)
                .addFilterBefore(throttle, UsernamePasswordAuthenticationFilter.class);
        return http.build();
    }
}
