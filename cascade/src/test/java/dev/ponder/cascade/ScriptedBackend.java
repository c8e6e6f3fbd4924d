package dev.ponder.cascade;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A backend that plays its replies in order, repeating the last one, and advances a {@link ManualClock} by the time
 * each takes. Streamed, a reply arrives word by word after its first-token delay, and may break off after some words.
 */
final class ScriptedBackend implements ModelBackend {

    /**
     * One scripted call: an answer, or a failure (after {@code cutAfter} streamed words when that is >= 0); a
     * {@code refused} answer is its text as the model's refusal.
     */
    record Reply(
            String text,
            double[] logprobs,
            double costUsd,
            Duration firstToken,
            Duration perWord,
            BackendException failure,
            int cutAfter,
            boolean refused) {

        static Reply text(String text) {
            return new Reply(text, null, 0.001, Duration.ofMillis(40), Duration.ofMillis(10), null, -1, false);
        }

        static Reply refusal(String text) {
            return new Reply(text, null, 0.001, Duration.ofMillis(40), Duration.ofMillis(10), null, -1, true);
        }

        static Reply failure(BackendException failure) {
            return new Reply(null, null, 0, Duration.ofMillis(40), Duration.ofMillis(10), failure, -1, false);
        }

        static Reply down() {
            return failure(BackendException.escalate("down", null));
        }

        Reply costing(double usd) {
            return new Reply(text, logprobs, usd, firstToken, perWord, failure, cutAfter, refused);
        }

        Reply taking(Duration firstTokenDelay) {
            return new Reply(text, logprobs, costUsd, firstTokenDelay, perWord, failure, cutAfter, refused);
        }

        Reply withLogprobs(double... values) {
            return new Reply(text, values, costUsd, firstToken, perWord, failure, cutAfter, refused);
        }

        /** Streams {@code words} words of {@code text}, then fails. */
        Reply cutAfter(int words, BackendException error) {
            return new Reply(text, logprobs, costUsd, firstToken, perWord, error, words, refused);
        }
    }

    final List<ChatRequest> calls = new ArrayList<>();
    private final String name;
    private final ManualClock clock;
    private final List<Reply> replies;
    private final Capabilities capabilities;
    private final Price price;

    ScriptedBackend(String name, ManualClock clock, Capabilities capabilities, Reply... replies) {
        this(name, clock, capabilities, Price.FREE, List.of(replies));
    }

    private ScriptedBackend(
            String name, ManualClock clock, Capabilities capabilities, Price price, List<Reply> replies) {
        if (replies.isEmpty()) {
            throw new IllegalArgumentException("a scripted backend needs a reply");
        }
        this.name = name;
        this.clock = clock;
        this.capabilities = capabilities;
        this.price = price;
        this.replies = replies;
    }

    /** The same backend at a price, which the engine charges for tokens the backend did not count itself. */
    ScriptedBackend priced(Price price) {
        return new ScriptedBackend(name, clock, capabilities, price, replies);
    }

    ScriptedBackend(String name, ManualClock clock, Reply... replies) {
        this(name, clock, new Capabilities(false, false, true, 8192), replies);
    }

    @Override
    public BackendInfo info() {
        return new BackendInfo(name, "scripted", name + "-model", capabilities, price);
    }

    /** Synchronized, like {@link #stream}: the engine asks for further choices ({@code n}) in parallel. */
    @Override
    public synchronized ChatAnswer chat(ChatRequest request) {
        Reply reply = next(request);
        clock.advance(reply.firstToken());
        if (reply.failure() != null) {
            throw reply.failure();
        }
        clock.advance(reply.perWord().multipliedBy(words(reply.text()).size()));
        return answer(reply, request);
    }

    @Override
    public synchronized ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
        Reply reply = next(request);
        clock.advance(reply.firstToken());
        if (reply.failure() != null && reply.cutAfter() < 0) {
            throw reply.failure();
        }
        List<String> words = words(reply.text());
        for (int i = 0; i < words.size(); i++) {
            if (i == reply.cutAfter()) {
                throw reply.failure();
            }
            clock.advance(reply.perWord());
            onDelta.accept(reply.refused() ? new Delta.Refusal(words.get(i)) : new Delta.Text(words.get(i)));
        }
        return answer(reply, request);
    }

    private Reply next(ChatRequest request) {
        calls.add(request);
        return replies.get(Math.min(calls.size(), replies.size()) - 1);
    }

    private ChatAnswer answer(Reply reply, ChatRequest request) {
        boolean withLogprobs = reply.logprobs() != null
                && Boolean.TRUE.equals(request.options().logprobs());
        List<TokenLogprob> logprobs = withLogprobs
                ? Arrays.stream(reply.logprobs())
                        .mapToObj(lp -> new TokenLogprob("t", lp))
                        .toList()
                : null;
        return new ChatAnswer(
                name + "-model",
                reply.refused() ? null : reply.text(),
                null,
                null,
                new TokenUsage(10, words(reply.text()).size()),
                logprobs,
                reply.costUsd(),
                reply.refused() ? reply.text() : null);
    }

    /** Word-sized pieces that join back to the text. */
    private static List<String> words(String text) {
        return text == null || text.isEmpty() ? List.of() : List.of(text.split("(?= )"));
    }
}
