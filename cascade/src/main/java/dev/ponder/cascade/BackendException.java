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

    private final Action action;
    private final int httpStatus;
    private final String errorType;
    private final Duration retryAfter;

    public BackendException(
            Action action, String message, int httpStatus, String errorType, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.action = Objects.requireNonNull(action, "action");
        this.httpStatus = httpStatus;
        this.errorType = errorType;
        this.retryAfter = retryAfter;
    }

    public static BackendException escalate(String message, Throwable cause) {
        return new BackendException(Action.ESCALATE, message, 0, null, null, cause);
    }

    public Action action() {
        return action;
    }

    /** The upstream HTTP status, or 0 when there was no HTTP answer (timeout, refused connection). */
    public int httpStatus() {
        return httpStatus;
    }

    /** The upstream error type (OpenAI's {@code error.type}), when it sent one. */
    public String errorType() {
        return errorType;
    }

    /** The pause the upstream asked for (Retry-After), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
