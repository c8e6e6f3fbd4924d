package dev.ponder.gateway.api;

import java.time.Duration;

/**
 * A failure the client is told about in OpenAI's error format: {@code {"error":{"message","type","param","code"}}}.
 * The HTTP status is chosen here, in the gateway, and nowhere else.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Duration retryAfter;
    private final boolean worthRetrying;

    public ApiException(int status, String type, String param, String code, String message, Duration retryAfter) {
        this(status, type, param, code, message, retryAfter, true);
    }

    private ApiException(
            int status,
            String type,
            String param,
            String code,
            String message,
            Duration retryAfter,
            boolean worthRetrying) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
        this.worthRetrying = worthRetrying;
    }

    /**
     * The same error, told to the client as one that the same request will meet again however long it waits (a 429
     * for a request larger than the limit itself): OpenAI's SDKs retry every 429 unless told not to.
     */
    public ApiException notWorthRetrying() {
        return new ApiException(status, type, param, code, getMessage(), null, false);
    }

    /** 400 for a request field that is missing or wrong; {@code param} names it, e.g. {@code messages[0].role}. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message, null);
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(
                404,
                "invalid_request_error",
                "model",
                "model_not_found",
                "The model '" + model + "' does not exist. Use 'ponder', 'ponder/<policy>' or a backend name"
                        + " (GET /v1/models lists them).",
                null);
    }

    /** A model the request's key may not use: named as OpenAI names one the caller has no access to. */
    public static ApiException modelNotAllowed(String model) {
        return new ApiException(
                404,
                "invalid_request_error",
                "model",
                "model_not_found",
                "The model '" + model + "' does not exist or your API key may not use it"
                        + " (GET /v1/models lists the models it may use).",
                null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public boolean worthRetrying() {
        return worthRetrying;
    }
}
