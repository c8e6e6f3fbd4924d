package dev.ponder.gateway.outcomes;

import dev.ponder.cascade.Trail;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One request's outcome as the log stores it. {@code prompt} and {@code answer} are null when content logging is off.
 *
 * @param httpStatus what the client got
 * @param answeredTier the index of the tier whose answer was returned, or -1 when none was
 * @param refused whether that answer was the model's refusal to answer (OpenAI's {@code message.refusal})
 * @param answer the answer's text, or its refusal
 * @param keyId the API key that sent the request, or null in open mode
 */
public record Outcome(
        String requestId,
        Instant createdAt,
        String requestedModel,
        boolean stream,
        int httpStatus,
        int answeredTier,
        boolean refused,
        String answeredBy,
        String answeredModel,
        double totalMs,
        Trail trail,
        String error,
        String prompt,
        String answer,
        String keyId) {

    public static final String ANSWERED = "answered";
    public static final String REFUSED = "refused";
    public static final String FAILED = "failed";

    /** Every word {@link #status()} answers with (the values the requests table's CHECK allows). */
    public static final List<String> STATUSES = List.of(ANSWERED, REFUSED, FAILED);

    public Outcome {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(trail, "trail");
        if (refused && answeredTier < 0) {
            throw new IllegalArgumentException("a refusal is an answer, but no tier answered " + requestId);
        }
    }

    /**
     * What the client got, in the one word the outcome log, the metrics and the console use: {@code answered},
     * {@code refused} (a tier's refusal to answer, sent as OpenAI sends one) or {@code failed} (no answer).
     */
    public String status() {
        return answeredTier < 0 ? FAILED : refused ? REFUSED : ANSWERED;
    }
}
