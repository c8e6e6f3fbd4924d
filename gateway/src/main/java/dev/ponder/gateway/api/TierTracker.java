package dev.ponder.gateway.api;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.Fallback;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Follows which tier of one request's policy the cascade called last. A stream's first delta always comes from what
 * answers the client (a live stream is final; a verified answer is replayed once accepted; a fixed fallback answer
 * follows a failed call), so the stream's headers can name it before the engine's trail exists. What was answering
 * is noted as the first delta is produced: the cascade runs ahead of the thread that writes the headers, and may have
 * failed and moved on by the time that thread takes the delta.
 */
final class TierTracker {

    /** What answers: a tier's name and its backend's name. */
    record Answering(String tier, String backend, String model) {}

    private static final Answering FIXED_FALLBACK =
            new Answering(Attempt.BY_FALLBACK, Attempt.BY_FALLBACK, Attempt.BY_FALLBACK);

    private volatile Answering last;
    private volatile boolean lastFailed;
    private final AtomicReference<Opening> atFirstDelta = new AtomicReference<>();
    /** The tiers called so far: each is called once, but a tier's own calls (check samples, n choices) repeat it. */
    private final Set<String> tiersCalled = ConcurrentHashMap.newKeySet();

    /** The policy with each tier's backend, and a fallback backend, reporting their calls here. */
    CascadePolicy track(CascadePolicy policy) {
        List<Tier> tiers = new ArrayList<>();
        for (Tier tier : policy.tiers()) {
            tiers.add(new Tier(tier.name(), new Tracked(tier.backend(), tier.name())));
        }
        Fallback fallback = policy.fallback();
        if (fallback != null && fallback.backend() != null) {
            fallback = Fallback.backend(new Tracked(fallback.backend(), Attempt.BY_FALLBACK));
        }
        return policy.withTiers(tiers, policy.thresholds()).withFallback(fallback);
    }

    /** What answers and the escalations so far, when the first delta was produced. */
    private record Opening(Answering answering, int escalations) {}

    /** The cascade's delta consumer: notes what is answering at the first delta, then passes every delta on. */
    Consumer<Delta> notingFirstDelta(Consumer<Delta> onDelta) {
        return delta -> {
            if (atFirstDelta.get() == null) {
                Answering answering = current();
                atFirstDelta.compareAndSet(null, new Opening(answering, escalationsUpTo(answering)));
            }
            onDelta.accept(delta);
        };
    }

    /** What answers the client: what was answering at the first delta, or what answered last if none came. */
    Answering answering() {
        Opening opening = atFirstDelta.get();
        return opening != null ? opening.answering() : current();
    }

    /** Tiers called beyond the first, up to the first delta (or up to now if none came): the escalations. */
    int escalations() {
        Opening opening = atFirstDelta.get();
        return opening != null ? opening.escalations() : tiersCalledBeyondFirst();
    }

    private Answering current() {
        Answering called = last;
        if (called == null || lastFailed) {
            // Deltas after a failed call (or with no call at all) are the fallback's fixed answer.
            return FIXED_FALLBACK;
        }
        return called;
    }

    /** As the trail counts them: a fixed fallback answer is an attempt of its own, though it calls no backend. */
    private int escalationsUpTo(Answering answering) {
        return answering == FIXED_FALLBACK ? tiersCalled.size() : tiersCalledBeyondFirst();
    }

    private int tiersCalledBeyondFirst() {
        return Math.max(0, tiersCalled.size() - 1);
    }

    private final class Tracked implements ModelBackend {
        private final ModelBackend backend;
        private final Answering answering;

        Tracked(ModelBackend backend, String tier) {
            this.backend = backend;
            this.answering =
                    new Answering(tier, backend.info().name(), backend.info().model());
        }

        @Override
        public BackendInfo info() {
            return backend.info();
        }

        /**
         * A streamed cascade makes whole calls only for a tier's check samples and further choices: they count as
         * calling the tier, but say nothing about what answers (a failed sample leaves the tier's answer standing).
         */
        @Override
        public ChatAnswer chat(ChatRequest request) {
            tiersCalled.add(answering.tier());
            return backend.chat(request);
        }

        @Override
        public ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
            // The cascade streams from one tier at a time: the last one streaming is what answers.
            last = answering;
            lastFailed = false;
            tiersCalled.add(answering.tier());
            try {
                return backend.stream(request, onDelta);
            } catch (RuntimeException e) {
                lastFailed = true;
                throw e;
            }
        }
    }
}
