package dev.ponder.providers;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.FinishReason;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Answers from a {@link ReplayDataset} as if it were {@code model}: the recorded response for the request's last
 * user message, the recorded cost (else the price table on the usage), usage at about 4 characters a token, and the
 * configured latency (a first-token delay, then a delay per output token, streamed word by word).
 */
final class ReplayBackend implements ModelBackend {

    /** The error type of a prompt the dataset has no answer for: no sign of ill health. */
    static final String UNKNOWN_PROMPT = "unknown_prompt";

    private static final Pattern BEFORE_SPACE = Pattern.compile("(?= )");

    private final BackendInfo info;
    private final ReplayDataset dataset;
    private final BackendSpec.Replay replay;

    ReplayBackend(BackendInfo info, ReplayDataset dataset, BackendSpec.Replay replay) {
        this.info = info;
        this.dataset = dataset;
        this.replay = replay;
    }

    @Override
    public BackendInfo info() {
        return info;
    }

    @Override
    public ChatAnswer chat(ChatRequest request) {
        ChatAnswer answer = answer(request);
        pause(replay.firstTokenLatency()
                .plus(replay.latencyPerOutputToken().multipliedBy(answer.usage().outputTokens())));
        return answer;
    }

    @Override
    public ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
        ChatAnswer answer = answer(request);
        pause(replay.firstTokenLatency());
        for (String piece : pieces(answer.text())) {
            pause(replay.latencyPerOutputToken().multipliedBy(TokenUsage.estimate(piece)));
            onDelta.accept(new Delta.Text(piece));
        }
        return answer;
    }

    private ChatAnswer answer(ChatRequest request) {
        ReplayDataset.Outcome outcome = dataset.find(request.lastUserText(), info.model());
        String text = outcome == null ? null : outcome.response();
        if (text == null) {
            text = replay.unknownPromptAnswer();
        }
        if (text == null) {
            // Another tier may know this prompt; nothing is wrong with the request, nor with this backend.
            throw new BackendException(
                    BackendException.Action.ESCALATE,
                    "backend '" + info.name() + "': " + dataset.location() + " has no response of " + info.model()
                            + " for this prompt",
                    0,
                    UNKNOWN_PROMPT,
                    null,
                    null);
        }
        TokenUsage usage = TokenUsage.estimated(request, text.length());
        double cost = outcome != null && outcome.costUsd() != null && outcome.response() != null
                ? outcome.costUsd()
                : info.price().cost(usage);
        return new ChatAnswer(info.model(), text, List.of(), FinishReason.STOP, usage, List.of(), cost, null);
    }

    /** Word-sized pieces that join back to the text exactly. */
    static List<String> pieces(String text) {
        return text.isEmpty() ? List.of() : List.of(BEFORE_SPACE.split(text));
    }

    private void pause(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw BackendException.escalate("backend '" + info.name() + "': interrupted", e);
        }
    }
}
