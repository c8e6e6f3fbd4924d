package dev.ponder.cascade;

import java.util.EnumMap;
import java.util.Map;

/**
 * Which signals decide whether a tier's answer is accepted, and how confident each must be: an answer escalates
 * when any chosen signal's value is below its threshold. {@code agreementSamples} is how many answers of the tier
 * {@link Signal#AGREEMENT} compares (the original and {@code agreementSamples - 1} more); {@code verificationSamples}
 * how often {@link Signal#VERIFICATION} asks the model to check itself.
 */
public record IdkCheck(Map<Signal, Double> thresholds, int agreementSamples, int verificationSamples) {

    /** Escalate on explicit abstentions only. */
    public static final IdkCheck ABSTENTION_ONLY = new IdkCheck(Map.of(Signal.ABSTENTION, 0.5), 2, 1);

    /** No check: every answer is accepted (pure pre-routing). */
    public static final IdkCheck NONE = new IdkCheck(Map.of(), 2, 1);

    public IdkCheck {
        thresholds = thresholds == null ? Map.of() : thresholds;
        thresholds.forEach((signal, t) -> {
            if (t == null || !(t >= 0 && t <= 1)) {
                throw new IllegalArgumentException(
                        "the threshold of signal " + signal.key() + " must be in [0, 1] but was " + t);
            }
        });
        thresholds = thresholds.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new EnumMap<>(thresholds));
        if (agreementSamples < 2) {
            throw new IllegalArgumentException("agreementSamples must be >= 2 but was " + agreementSamples);
        }
        if (verificationSamples < 1) {
            throw new IllegalArgumentException("verificationSamples must be >= 1 but was " + verificationSamples);
        }
    }

    public boolean uses(Signal signal) {
        return thresholds.containsKey(signal);
    }
}
