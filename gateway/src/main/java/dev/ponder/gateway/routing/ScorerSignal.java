package dev.ponder.gateway.routing;

import dev.ponder.cascade.AnswerSignal;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.router.AnswerScorer;
import java.util.function.Supplier;

/**
 * The router model's answer scorer as the cascade's scorer signal: it judges an answer's text against the last user
 * message, the text the difficulty model scores too. The scorer is fetched per call, so a newly promoted router
 * model judges from its next request on. It was trained on text answers: a tool call is not judged (confidence 1).
 */
public final class ScorerSignal implements AnswerSignal {

    private final Supplier<AnswerScorer> scorer;

    public ScorerSignal(Supplier<AnswerScorer> scorer) {
        this.scorer = scorer;
    }

    @Override
    public double confidence(ChatRequest request, ChatAnswer answer) {
        if (!answer.toolCalls().isEmpty()) {
            return 1;
        }
        return scorer.get().goodEnough(request.lastUserText(), answer.text());
    }
}
