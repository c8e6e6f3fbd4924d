package dev.ponder.gateway.outcomes;

import dev.ponder.cascade.Trail;
import java.time.Instant;
import java.util.Objects;

/**
 * One request's outcome as the log stores it. {@code prompt} and {@code answer} are null when content logging is off.
 *
 * @param httpStatus what the client got
 * @param answeredTier the index of the tier whose answer was returned, or -1 when none was
 * @param keyId the API key that sent the request, or null in open mode
 */
public record Outcome(
        String requestId,
        Instant createdAt,
        String requestedModel,
        boolean stream,
        int httpStatus,
        int answeredTier,
        String answeredBy,
        String answeredModel,
        double totalMs,
        Trail trail,
        String error,
        String prompt,
        String answer,
        String keyId) {

    public Outcome {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(trail, "trail");
    }
}
