package dev.ponder.cascade;

import java.time.Duration;
import java.util.Map;

/**
 * One call to one tier, as the trail records it. {@code firstToken} is null when the call did not stream;
 * {@code error} is null unless the verdict is {@link Verdict#FAILED}.
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
        String error) {

    public Attempt {
        usage = usage == null ? TokenUsage.NONE : usage;
        signals = signals == null ? Map.of() : Map.copyOf(signals);
    }
}
