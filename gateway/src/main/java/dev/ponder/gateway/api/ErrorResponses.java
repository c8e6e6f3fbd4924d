package dev.ponder.gateway.api;

import dev.ponder.cascade.BackendException;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.json.JsonMapper;

/** Every error leaves in OpenAI's format; a failure of ours is a 500 with no internals in it. */
@RestControllerAdvice
class ErrorResponses {

    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);
    private static final String UNSTORABLE_CHARACTER = "22021";

    /** The header OpenAI's SDKs (Java, Python, node) obey over their own choice of whether to retry. */
    static final String SHOULD_RETRY = "x-should-retry";

    private final BodySizeLimit bodySizeLimit;

    ErrorResponses(BodySizeLimit bodySizeLimit) {
        this.bodySizeLimit = bodySizeLimit;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status());
        retryHeaders(e, response::header);
        // Set explicitly, so that a client that accepts only text/event-stream still gets the error.
        return response.contentType(MediaType.APPLICATION_JSON)
                .body(body(e.getMessage(), e.type(), e.param(), e.code()));
    }

    /**
     * Maps a backend failure that reached the client as OpenAI would answer: a refused request keeps the upstream's
     * 4xx status, type, message, param and code; otherwise 503 (no backend available), 504 (none answered in time)
     * or 502.
     */
    static ApiException fromBackend(BackendException e) {
        return switch (e.failure()) {
            case REJECTED -> {
                int status = e.httpStatus() >= 400 && e.httpStatus() < 500 ? e.httpStatus() : 400;
                String type = e.errorType() == null ? "invalid_request_error" : e.errorType();
                yield new ApiException(status, type, e.errorParam(), e.errorCode(), e.getMessage(), e.retryAfter());
            }
            case UNAVAILABLE ->
                new ApiException(
                        503,
                        "upstream_error",
                        null,
                        "upstream_unavailable",
                        "No backend is available: " + e.getMessage(),
                        e.retryAfter());
            case TIMEOUT ->
                new ApiException(
                        504,
                        "upstream_error",
                        null,
                        "upstream_timeout",
                        "No backend answered in time: " + e.getMessage(),
                        null);
            case BAD_UPSTREAM ->
                new ApiException(
                        502,
                        "upstream_error",
                        null,
                        "upstream_failed",
                        "No backend could answer: " + e.getMessage(),
                        null);
        };
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        if (BodySizeLimit.isTooLarge(e)) {
            return api(bodySizeLimit.tooLarge());
        }
        return api(ApiException.invalid(null, "We could not read the body of your request."));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException e) {
        return api(new ApiException(
                415, "invalid_request_error", null, null, "Send the request body as application/json.", null));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Map<String, Object>> method(HttpRequestMethodNotSupportedException e) {
        return api(new ApiException(
                405, "invalid_request_error", null, null, "Method " + e.getMethod() + " is not allowed here.", null));
    }

    /** A required query parameter left out (the console's what-if without a threshold) is the caller's to fix. */
    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<Map<String, Object>> missingParameter(MissingServletRequestParameterException e) {
        return api(ApiException.invalid(
                e.getParameterName(), "The parameter '" + e.getParameterName() + "' is required."));
    }

    /** A query parameter or path segment that does not convert (a number, an instant) is the caller's to fix. */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, Object>> mistypedParameter(MethodArgumentTypeMismatchException e) {
        Class<?> type = e.getRequiredType();
        String expected = type == Instant.class
                ? "an ISO-8601 instant, e.g. 2027-01-31T00:00:00Z"
                : type != null && (type.isPrimitive() || Number.class.isAssignableFrom(type)) ? "a number" : "valid";
        return api(ApiException.invalid(
                e.getName(),
                "The parameter '" + e.getName() + "' must be " + expected + " but was '" + e.getValue() + "'."));
    }

    /** Names the path as the client sent it: the resource path has lost a trailing slash, the likely mistake. */
    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Map<String, Object>> notFound(NoResourceFoundException e, HttpServletRequest request) {
        return api(new ApiException(
                404,
                "invalid_request_error",
                null,
                "not_found",
                "Unknown path " + request.getRequestURI() + ".",
                null));
    }

    /**
     * A text PostgreSQL cannot store (U+0000: SQLState 22021) is the caller's to fix, wherever it reached the database
     * (a console search, a key's name); any other database failure is ours.
     */
    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Map<String, Object>> database(DataAccessException e) {
        if (e.getMostSpecificCause() instanceof SQLException sql && UNSTORABLE_CHARACTER.equals(sql.getSQLState())) {
            return api(ApiException.invalid(null, "The request contains a character that cannot be stored (U+0000)."));
        }
        return unexpected(e);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> unexpected(Exception e) {
        if (BodySizeLimit.isTooLarge(e)) {
            // a controller that reads the body itself (JsonBodies) meets the limit as an IOException
            return api(bodySizeLimit.tooLarge());
        }
        log.error("Unexpected failure", e);
        return api(new ApiException(500, "server_error", null, null, "Ponder failed to handle the request.", null));
    }

    /** Writes an error from a servlet filter, before Spring MVC (and this advice) is reached. */
    static void write(jakarta.servlet.http.HttpServletResponse response, ApiException error, JsonMapper json)
            throws java.io.IOException {
        response.setStatus(error.status());
        retryHeaders(error, response::setHeader);
        JsonBodies.write(response, json.writer(), body(error.getMessage(), error.type(), error.param(), error.code()));
    }

    /**
     * An error status the container set before any controller (Tomcat's own error page, Spring's {@code /error}): a
     * 5xx or a status Spring does not know is ours, anything else the caller's, told the container's message or the
     * status's reason.
     */
    static ApiException containerError(int status, String message) {
        HttpStatus known = HttpStatus.resolve(status);
        if (status >= 500 || known == null) {
            return new ApiException(status, "server_error", null, null, "Ponder failed to handle the request.", null);
        }
        return new ApiException(
                status,
                "invalid_request_error",
                null,
                null,
                message != null && !message.isBlank() ? message : known.getReasonPhrase() + ".",
                null);
    }

    /** What an error tells a client about retrying it: how long to wait, or that waiting will not help. */
    private static void retryHeaders(ApiException error, java.util.function.BiConsumer<String, String> header) {
        if (error.retryAfter() != null) {
            header.accept(HttpHeaders.RETRY_AFTER, retryAfterSeconds(error.retryAfter()));
        }
        if (!error.worthRetrying()) {
            header.accept(SHOULD_RETRY, "false");
        }
    }

    /**
     * Whole seconds, rounded up: a client honouring a wait of 1.5 s told as "1" (an upstream's {@code Retry-After:
     * 1.5}, a date) comes back before it is over and is refused again.
     */
    static String retryAfterSeconds(java.time.Duration wait) {
        return Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000));
    }

    static Map<String, Object> body(String message, String type, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }
}
