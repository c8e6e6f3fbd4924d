package dev.ponder.gateway.console;

import dev.ponder.gateway.outcomes.Outcome;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The Requests page's search: a time range, optional exact filters, a request id or prompt text, and a page cursor:
 * the rows older than {@code before}, or, with {@code beforeId}, than the row ({@code before}, {@code beforeId}) in
 * the page's order, so that rows logged in the same microsecond are neither skipped nor shown twice ({@code beforeId}
 * means nothing without {@code before}).
 */
record RequestFilter(
        Instant from,
        Instant before,
        String beforeId,
        String policyValue,
        String backendValue,
        String statusValue,
        String textValue) {

    RequestFilter {
        Objects.requireNonNull(from, "from");
        if (statusValue != null && !statusValue.isBlank() && !Outcome.STATUSES.contains(statusValue)) {
            throw new IllegalArgumentException(
                    "status must be 'answered', 'refused' or 'failed' but was '" + statusValue + "'");
        }
    }

    Optional<String> policy() {
        return present(policyValue);
    }

    Optional<String> backend() {
        return present(backendValue);
    }

    Optional<String> status() {
        return present(statusValue);
    }

    Optional<String> text() {
        return present(textValue);
    }

    private static Optional<String> present(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }
}
