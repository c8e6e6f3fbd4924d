package dev.ponder.cascade;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Evaluates a policy's {@link IdkCheck} on one answer, cheapest signal first, and stops at the first signal below
 * its threshold: a costly signal (more samples, a verification prompt) is only paid for when the cheap ones passed.
 * A signal that cannot be computed (no logprobs returned, no answer scorer wired) is left out, not counted as doubt.
 */
final class IdkChecker {

    static final String VERIFY_PROMPT = """
            Here is a request and a proposed answer to it.

            Request:
            %s

            Proposed answer:
            %s

            Is the proposed answer correct and complete? Reply with Yes or No only.""";

    private static final java.util.regex.Pattern YES =
            java.util.regex.Pattern.compile("\\W*yes\\b", java.util.regex.Pattern.CASE_INSENSITIVE);

    // Extra samples must be able to differ from the first answer for their agreement to mean anything.
    private static final double SAMPLING_TEMPERATURE = 0.7;

    private final AbstentionDetector abstention;
    private final AnswerSignal scorer;
    private final Supplier<LogprobConfidence> logprobs;
    private final Clock clock;

    IdkChecker(AbstentionDetector abstention, AnswerSignal scorer, Supplier<LogprobConfidence> logprobs, Clock clock) {
        this.abstention = abstention;
        this.scorer = scorer;
        this.logprobs = logprobs;
        this.clock = clock;
    }

    /**
     * What the check found. {@code failed} is the signal that doubted the answer, or null when all passed;
     * {@code extra} is what the signal's own calls consumed, {@code extraCost} what they cost.
     */
    record Result(Map<String, Double> signals, Signal failed, TokenUsage extra, double extraCost, Duration extraTime) {}

    Result check(IdkCheck idk, ModelBackend backend, ChatRequest request, ChatAnswer answer) {
        Map<String, Double> values = new LinkedHashMap<>();
        Spend spend = new Spend();
        for (Signal signal : Signal.values()) {
            Double threshold = idk.thresholds().get(signal);
            if (threshold == null) {
                continue;
            }
            Double value =
                    switch (signal) {
                        case ABSTENTION -> abstention.abstains(answer) ? 0.0 : 1.0;
                        case LOGPROBS -> logprobs(answer, values);
                        case SCORER -> scorer == null ? null : clamp(scorer.confidence(request, answer));
                        case AGREEMENT -> agreement(idk.agreementSamples(), backend, request, answer, spend);
                        case VERIFICATION -> verification(idk.verificationSamples(), backend, request, answer, spend);
                    };
            if (value == null) {
                continue;
            }
            values.put(signal.key(), value);
            if (value < threshold) {
                return new Result(values, signal, spend.usage, spend.cost, spend.time);
            }
        }
        return new Result(values, null, spend.usage, spend.cost, spend.time);
    }

    private Double logprobs(ChatAnswer answer, Map<String, Double> values) {
        if (answer.logprobs().isEmpty()) {
            return null;
        }
        double[] features = LogprobConfidence.features(answer.logprobs());
        // Recorded so that the learning loop can refit the aggregation from the outcome log.
        for (int i = 0; i < features.length; i++) {
            values.put(Signal.LOGPROBS.key() + "." + LogprobConfidence.FEATURES.get(i), features[i]);
        }
        return logprobs.get().probability(features);
    }

    private Double agreement(int samples, ModelBackend backend, ChatRequest request, ChatAnswer answer, Spend spend) {
        ChatRequest sampling = request.withOptions(withTemperature(request.options()));
        String key = AnswerKey.of(answer);
        return spend.share(backend, sampling, samples - 1, sample -> key.equals(AnswerKey.of(sample)));
    }

    private Double verification(
            int samples, ModelBackend backend, ChatRequest request, ChatAnswer answer, Spend spend) {
        double temperature = samples > 1 ? SAMPLING_TEMPERATURE : 0.0;
        ChatRequest verify = ChatRequest.of(List.of(
                        ChatMessage.of(Role.USER, VERIFY_PROMPT.formatted(request.lastUserText(), answer.text()))))
                .withOptions(
                        new SamplingOptions(temperature, null, 3, null, null, null, null, null, null, null, false));
        return spend.share(
                backend, verify, samples, reply -> YES.matcher(reply.text()).lookingAt());
    }

    private static SamplingOptions withTemperature(SamplingOptions o) {
        double temperature =
                o.temperature() == null ? SAMPLING_TEMPERATURE : Math.max(o.temperature(), SAMPLING_TEMPERATURE);
        return new SamplingOptions(
                temperature,
                o.topP(),
                o.maxTokens(),
                o.stop(),
                null,
                o.n(),
                o.logprobs(),
                o.topLogprobs(),
                o.presencePenalty(),
                o.frequencyPenalty(),
                o.maxTokensAsCompletionTokens());
    }

    private static double clamp(double v) {
        return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    }

    /**
     * What the signals' own backend calls used. A call that fails yields null: the signal uses the samples it got,
     * and is left out when it got none (the answer itself is fine; only its check could not run).
     */
    private final class Spend {
        TokenUsage usage = TokenUsage.NONE;
        double cost;
        Duration time = Duration.ZERO;

        /** Asks {@code calls} times; the share of the answers that {@code count}, or null when none came. */
        Double share(ModelBackend backend, ChatRequest request, int calls, Predicate<ChatAnswer> count) {
            int counted = 0;
            int answered = 0;
            for (int i = 0; i < calls; i++) {
                ChatAnswer reply = call(backend, request);
                if (reply != null) {
                    answered++;
                    counted += count.test(reply) ? 1 : 0;
                }
            }
            return answered == 0 ? null : counted / (double) answered;
        }

        private ChatAnswer call(ModelBackend backend, ChatRequest request) {
            Instant start = clock.instant();
            try {
                ChatAnswer a = backend.chat(request);
                usage = usage.plus(a.usage());
                cost += a.costUsd();
                return a;
            } catch (BackendException e) {
                return null;
            } finally {
                time = time.plus(Duration.between(start, clock.instant()));
            }
        }
    }
}
