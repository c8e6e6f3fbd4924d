package dev.ponder.cascade;

import java.time.Duration;
import java.util.Map;

/**
 * One call to one tier, as the trail records it. {@code firstToken} is null when the call did not stream;
 * {@code error} is null unless the verdict is {@link Verdict#FAILED}. {@code usage}, {@code costUsd} and
 * {@code latency} include the calls the IDK check made (extra samples, the verification prompt) and those that gave
 * the request's further choices ({@code n} &gt; 1). {@code signals}
 * holds each evaluated signal's value under its {@link Signal#key()}; {@code decidedBy} says what settled the
 * verdict: a signal's key (the signal that doubted the answer), or one of the {@code BY_*} reasons.
 */
public record Attempt(
        int tier,
        String tierName,
        String backend,
        String model,
        Duration latency,
        Duration firstToken,
        TokenUsage usage,
        double costUsd,
        Map<String, Double> signals,
        Verdict verdict,
        String error,
        String decidedBy) {

    /** Every chosen signal was confident enough. */
    public static final String BY_SIGNALS = "signals";
    /** The top tier (or the last the escalation budget allows): its answer is final, so it is not checked. */
    public static final String BY_LAST_TIER = "last-tier";
    /**
     * The model declined to answer (a refusal in place of content): a stronger tier may answer, so it climbs
     * without an IDK check, as a doubted answer does.
     */
    public static final String BY_REFUSAL = "refusal";
    /** The answer was doubted, but the deadline or the cost budget leaves no room to climb. */
    public static final String BY_BUDGET = "budget";
    /** The answer went to the client live (route-then-stream): it cannot be taken back. */
    public static final String BY_STREAMED = "streamed";
    /** The backend failed. */
    public static final String BY_ERROR = "error";
    /** No tier could answer; the policy's fallback did. */
    public static final String BY_FALLBACK = "fallback";

    public Attempt {
        usage = usage == null ? TokenUsage.NONE : usage;
        signals = signals == null ? Map.of() : Map.copyOf(signals);
        decidedBy = decidedBy != null ? decidedBy : verdict == Verdict.FAILED ? BY_ERROR : BY_SIGNALS;
    }

    /** This attempt with more calls to its backend counted in: their time, tokens and cost. */
    public Attempt plus(Duration time, TokenUsage more, double moreCostUsd) {
        return new Attempt(
                tier,
                tierName,
                backend,
                model,
                latency.plus(time),
                firstToken,
                usage.plus(more),
                costUsd + moreCostUsd,
                signals,
                verdict,
                error,
                decidedBy);
    }
}
