package dev.ponder.gateway.api;

import dev.ponder.cascade.BackendException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Every error leaves in OpenAI's format; a failure of ours is a 500 with no internals in it. */
@RestControllerAdvice
class ErrorResponses {

    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status());
        if (e.retryAfter() != null) {
            response.header(
                    HttpHeaders.RETRY_AFTER,
                    Long.toString(Math.max(1, e.retryAfter().toSeconds())));
        }
        return response.body(body(e.getMessage(), e.type(), e.param(), e.code()));
    }

    /** Maps a backend failure that reached the client: a caller's 4xx keeps its status, the rest are gateway errors. */
    static ApiException fromBackend(BackendException e) {
        int upstream = e.httpStatus();
        if (e.action() == BackendException.Action.GIVE_UP && upstream >= 400 && upstream < 500) {
            String type = e.errorType() == null ? "invalid_request_error" : e.errorType();
            return new ApiException(upstream, type, null, null, e.getMessage(), e.retryAfter());
        }
        boolean timeout = causedByTimeout(e);
        return new ApiException(
                timeout ? 504 : 502,
                "upstream_error",
                null,
                timeout ? "upstream_timeout" : "upstream_failed",
                "No backend could answer: " + e.getMessage(),
                null);
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.http.HttpTimeoutException) {
                return true;
            }
        }
        return false;
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
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

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Map<String, Object>> notFound(NoResourceFoundException e) {
        return api(new ApiException(
                404, "invalid_request_error", null, "not_found", "Unknown path /" + e.getResourcePath() + ".", null));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> unexpected(Exception e) {
        log.error("Unexpected failure", e);
        return api(new ApiException(500, "server_error", null, null, "Ponder failed to handle the request.", null));
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
