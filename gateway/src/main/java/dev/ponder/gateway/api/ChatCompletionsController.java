package dev.ponder.gateway.api;

import dev.ponder.cascade.CascadeEngine;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.CascadeResult;
import dev.ponder.cascade.Trail;
import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import dev.ponder.gateway.routing.Routes;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/chat/completions}: parses and checks the request, runs it through the cascade, answers in OpenAI's
 * format with Ponder's decision in {@code x-ponder-*} headers, and hands the outcome to the log.
 */
@RestController
class ChatCompletionsController {

    private final ChatRequestParser parser;
    private final Routes routes;
    private final CascadeEngine engine;
    private final List<OutcomeListener> outcomeListeners;
    private final Clock clock;
    private final boolean logContent;

    ChatCompletionsController(
            JsonMapper json,
            Routes routes,
            CascadeEngine engine,
            List<OutcomeListener> outcomeListeners,
            Clock clock,
            PonderProperties properties) {
        this.parser = new ChatRequestParser(json);
        this.routes = routes;
        this.engine = engine;
        this.outcomeListeners = List.copyOf(outcomeListeners);
        this.clock = clock;
        this.logContent = properties.outcomes().logContent();
    }

    @PostMapping(path = "/v1/chat/completions", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> complete(
            @RequestBody(required = false) byte[] body, @RequestAttribute(RequestIds.ATTRIBUTE) String id) {
        Instant received = clock.instant();
        long startNanos = System.nanoTime();
        ParsedChatRequest parsed = parser.parse(body == null ? new byte[0] : body);
        CascadePolicy policy =
                routes.resolve(parsed.model()).orElseThrow(() -> ApiException.modelNotFound(parsed.model()));
        if (parsed.stream()) {
            throw ApiException.invalid("stream", "Streaming is not supported by this Ponder version yet.");
        }
        CascadeResult result = engine.run(parsed.request(), policy);
        Trail trail = result.trail();
        double totalMs = (System.nanoTime() - startNanos) / 1e6;
        switch (result) {
            case CascadeResult.Answered answered -> {
                publish(new Outcome(
                        id,
                        received,
                        parsed.model(),
                        false,
                        200,
                        answered.by().tier(),
                        answered.by().backend(),
                        answered.answer().model(),
                        totalMs,
                        trail,
                        null,
                        logContent ? parsed.request().lastUserText() : null,
                        logContent ? answered.answer().text() : null));
                return ResponseEntity.ok()
                        .headers(ponderHeaders(
                                id,
                                trail,
                                answered.by().tierName(),
                                answered.by().backend(),
                                totalMs))
                        .body(ChatCompletionJson.completion(
                                id,
                                received.getEpochSecond(),
                                answered.answer(),
                                Boolean.TRUE.equals(parsed.request().options().logprobs())));
            }
            case CascadeResult.Failed failed -> {
                ApiException error = ErrorResponses.fromBackend(failed.error());
                publish(new Outcome(
                        id,
                        received,
                        parsed.model(),
                        false,
                        error.status(),
                        -1,
                        null,
                        null,
                        totalMs,
                        trail,
                        failed.error().getMessage(),
                        logContent ? parsed.request().lastUserText() : null,
                        null));
                throw error;
            }
        }
    }

    private void publish(Outcome outcome) {
        outcomeListeners.forEach(listener -> listener.onOutcome(outcome));
    }

    /** The headers that let a client check what Ponder decided and what it cost; see the README. */
    private static HttpHeaders ponderHeaders(String id, Trail trail, String tier, String backend, double totalMs) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("x-ponder-request-id", id);
        headers.set("x-ponder-policy", trail.policy());
        headers.set("x-ponder-tier", tier);
        headers.set("x-ponder-backend", backend);
        headers.set("x-ponder-score", String.format(Locale.ROOT, "%.4f", trail.score()));
        headers.set("x-ponder-escalations", Integer.toString(trail.escalations()));
        headers.set("x-ponder-cost-usd", String.format(Locale.ROOT, "%.8f", trail.costUsd()));
        double overhead = Math.max(0, totalMs - trail.backendTime().toNanos() / 1e6);
        headers.set("x-ponder-overhead-ms", String.format(Locale.ROOT, "%.3f", overhead));
        return headers;
    }
}
