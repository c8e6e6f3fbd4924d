package dev.ponder.cascade;

import java.time.Duration;
import java.util.Objects;

/**
 * A backend call that failed, grouped by what the caller should do next. Providers map every HTTP status and
 * client exception to one of these in one place; the cascade acts on {@link #action()} alone.
 */
public final class BackendException extends RuntimeException {

    /** What the caller should do next. */
    public enum Action {
        /** Transient (429, 5xx, a reset connection): try the same backend again after a pause, then escalate. */
        RETRY,
        /** This backend cannot serve now (down, open circuit, timeout, full): move on to another tier. */
        ESCALATE,
        /** The request itself is wrong (a caller's 4xx): no backend will do better; return it to the client. */
        GIVE_UP
    }

    /**
     * Why no answer came, grouped by what the gateway should tell its client: try later (the backend cannot serve
     * now), the backend took too long, the backend answered wrongly, or the request itself was refused.
     */
    public enum Failure {
        /**
         * Down, unreachable, an open circuit, a full bulkhead, rate-limited, HTTP 503 (or Anthropic's 529,
         * overloaded): another try later may work.
         */
        UNAVAILABLE,
        /** No answer within the time allowed: a call timed out, or the request's deadline passed. */
        TIMEOUT,
        /** The backend answered with a server error or something unreadable. */
        BAD_UPSTREAM,
        /** The backend refused the request itself (a caller's 4xx). */
        REJECTED
    }

    private final Action action;
    private final Failure failure;
    private final int httpStatus;
    private final String errorType;
    private final Duration retryAfter;
    private final String errorParam;
    private final String errorCode;

    /** A failure whose {@link Failure} is inferred from the status, the error type and the cause. */
    public BackendException(
            Action action, String message, int httpStatus, String errorType, Duration retryAfter, Throwable cause) {
        this(
                action,
                infer(action, httpStatus, errorType, cause),
                message,
                httpStatus,
                errorType,
                retryAfter,
                null,
                null,
                cause);
    }

    private BackendException(
            Action action,
            Failure failure,
            String message,
            int httpStatus,
            String errorType,
            Duration retryAfter,
            String errorParam,
            String errorCode,
            Throwable cause) {
        super(message, cause);
        this.action = Objects.requireNonNull(action, "action");
        this.failure = Objects.requireNonNull(failure, "failure");
        this.httpStatus = httpStatus;
        this.errorType = errorType;
        this.retryAfter = retryAfter;
        this.errorParam = errorParam;
        this.errorCode = errorCode;
    }

    /**
     * The upstream refused the request itself (a caller's 4xx): {@code GIVE_UP}, keeping all the upstream said, so
     * that the client gets the error as the upstream sent it, {@code param} and {@code code} included.
     */
    public static BackendException rejected(
            String message, int httpStatus, String errorType, String errorParam, String errorCode, Throwable cause) {
        return new BackendException(
                Action.GIVE_UP, Failure.REJECTED, message, httpStatus, errorType, null, errorParam, errorCode, cause);
    }

    /**
     * This backend cannot take the request as it is (a field its protocol has no place for, such as a
     * {@code tool_choice} it cannot enforce), though another tier may: {@code ESCALATE}, and {@code REJECTED} (a 400
     * naming {@code param}) when no tier answers. The backend is not at fault, so its circuit does not count it.
     */
    public static BackendException unsupported(String message, String param, Throwable cause) {
        return new BackendException(
                Action.ESCALATE, Failure.REJECTED, message, 400, "invalid_request_error", null, param, null, cause);
    }

    public static BackendException escalate(String message, Throwable cause) {
        return new BackendException(Action.ESCALATE, message, 0, null, null, cause);
    }

    /** The request ran out of time before any tier answered. */
    public static BackendException timeout(String message, Throwable cause) {
        return new BackendException(Action.ESCALATE, Failure.TIMEOUT, message, 0, "timeout", null, null, null, cause);
    }

    /**
     * The upstream answered, but with nothing that reads as an answer (malformed JSON, no choices): a bad upstream
     * answer, escalated without a retry, since the same request would likely get the same.
     */
    public static BackendException unreadable(String message, Throwable cause) {
        return new BackendException(
                Action.ESCALATE, Failure.BAD_UPSTREAM, message, 0, "bad_response", null, null, null, cause);
    }

    /**
     * Unless a factory method says outright: a refusal of the request is REJECTED, a timeout anywhere in the cause
     * chain (or the error type providers give timeouts) is TIMEOUT, 429/503/529 and failures with no HTTP answer are
     * UNAVAILABLE, and other HTTP answers are BAD_UPSTREAM.
     */
    private static Failure infer(Action action, int httpStatus, String errorType, Throwable cause) {
        if (action == Action.GIVE_UP) {
            return Failure.REJECTED;
        }
        if ("timeout".equals(errorType) || httpStatus == 504 || timedOut(cause)) {
            return Failure.TIMEOUT;
        }
        // 529 is Anthropic's "overloaded": its 503.
        if (httpStatus == 0 || httpStatus == 429 || httpStatus == 503 || httpStatus == 529) {
            return Failure.UNAVAILABLE;
        }
        return Failure.BAD_UPSTREAM;
    }

    private static boolean timedOut(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException
                    || t instanceof java.net.http.HttpTimeoutException
                    || t instanceof java.net.SocketTimeoutException
                    || (t instanceof BackendException b && b.failure == Failure.TIMEOUT)) {
                return true;
            }
        }
        return false;
    }

    public Action action() {
        return action;
    }

    /** Why no answer came: what the gateway maps to 503, 504, 502 or the upstream's own 4xx. */
    public Failure failure() {
        return failure;
    }

    /** The upstream HTTP status, or 0 when there was no HTTP answer (timeout, refused connection). */
    public int httpStatus() {
        return httpStatus;
    }

    /** The upstream error type (OpenAI's {@code error.type}), when it sent one. */
    public String errorType() {
        return errorType;
    }

    /** The request field the upstream named in its refusal (OpenAI's {@code error.param}), or null. */
    public String errorParam() {
        return errorParam;
    }

    /** The upstream's machine-readable error code (OpenAI's {@code error.code}), or null. */
    public String errorCode() {
        return errorCode;
    }

    /** The pause the upstream asked for (Retry-After), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
