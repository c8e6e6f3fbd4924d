package dev.ponder.gateway.config;

/**
 * Ponder cannot start, for a reason the operator can fix: a {@code ponder.*} setting (the message names the property
 * and its bad value) or the embedded PostgreSQL's data directory. Spring Boot reports it as its message and
 * {@link #action()} instead of a stack trace ({@link StartupFailureAnalyzer}).
 */
public final class StartupFailure extends RuntimeException {

    private final String action;

    public StartupFailure(String message, String action, Throwable cause) {
        super(message, cause);
        this.action = action;
    }

    /** A Ponder configuration error: {@code message} names the property and its bad value. */
    public static StartupFailure configuration(String message, Throwable cause) {
        return new StartupFailure(
                message, "Fix the setting named above (application.yml, --ponder.x=y or a PONDER_* variable).", cause);
    }

    /** What the operator should do about it. */
    public String action() {
        return action;
    }
}
