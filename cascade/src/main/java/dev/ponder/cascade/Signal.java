package dev.ponder.cascade;

import java.util.Locale;

/**
 * The signals an IDK check can combine, cheapest first: the order they are evaluated in. Each yields a confidence in
 * [0, 1] that the answer is good enough; the answer escalates when one falls below the policy's threshold for it.
 */
public enum Signal {
    /** 0 when the answer abstains, refuses or is empty ({@link AbstentionDetector}), else 1. */
    ABSTENTION,
    /** A logistic model over summary features of the answer's token logprobs ({@link LogprobConfidence}). */
    LOGPROBS,
    /** An {@link AnswerSignal}: in the gateway, the router model's answer scorer. */
    SCORER,
    /** The share of extra samples from the same tier whose answer agrees with this one (self-consistency). */
    AGREEMENT,
    /** The share of "yes" when the same model is asked whether its answer is correct (AutoMix). */
    VERIFICATION;

    /** The key of this signal's value in an attempt's {@code signals} map, and its name in configuration. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
