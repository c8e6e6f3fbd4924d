package dev.ponder.gateway.api;

import dev.ponder.cascade.CascadeEngine;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.CascadeResult;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.RouteDecision;
import dev.ponder.cascade.Trail;
import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.outcomes.OutcomeListener;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.ContentLogging;
import dev.ponder.gateway.security.SecurityAttributes;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.MDC;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a validated request through the cascade for the completion endpoints, whole or streamed, with Ponder's
 * decision in {@code x-ponder-*} headers, and hands each outcome to the outcome listeners once the client has its
 * answer.
 */
@Component
class CascadeCalls {

    /** What the outcome log records as the status of a request whose client left before the end (nginx's code). */
    static final int CLIENT_CLOSED = 499;

    /** How the outcome log says that a client hung up before anything of its answer was written. */
    static final String HUNG_UP = "the client closed the connection before its answer";

    static final String COST_HEADER = "x-ponder-cost-usd";

    /** How a stream cut at the end of the shutdown drain says why, to its client and in the outcome log. */
    static final String SHUT_DOWN = "this Ponder replica is shutting down and the answer outlived its drain; ";

    private final Routes routes;
    private final CascadeEngine engine;
    private final List<OutcomeListener> outcomeListeners;
    private final Clock clock;
    private final ObjectWriter writer;
    private final boolean logContent;
    private final ShutdownDrain drain;
    private final HangUps hangUps;

    CascadeCalls(
            Routes routes,
            CascadeEngine engine,
            List<OutcomeListener> outcomeListeners,
            Clock clock,
            JsonMapper json,
            PonderProperties properties,
            ShutdownDrain drain,
            HangUps hangUps) {
        this.routes = routes;
        this.engine = engine;
        this.outcomeListeners = List.copyOf(outcomeListeners);
        this.clock = clock;
        this.writer = json.writer();
        this.logContent = properties.outcomes().logContent();
        this.drain = drain;
        this.hangUps = hangUps;
    }

    /** A request ready to run: the policy it runs with (its routing controls applied) and what backends get. */
    record Prepared(
            String model,
            CascadePolicy policy,
            ChatRequest request,
            boolean includeUsage,
            ContentLogging content,
            String keyId) {
        boolean logprobs() {
            return Boolean.TRUE.equals(request.options().logprobs());
        }

        int choices() {
            Integer n = request.options().n();
            return n == null ? 1 : n;
        }
    }

    Prepared prepare(ParsedChatRequest parsed, HttpServletRequest http) {
        // Security may narrow the policy, e.g. to its free tiers once the key's budget is spent.
        CascadePolicy named = http.getAttribute(SecurityAttributes.POLICY) instanceof CascadePolicy granted
                ? granted
                : routes.resolve(parsed.model()).orElseThrow(() -> ApiException.modelNotFound(parsed.model()));
        RoutingControls controls =
                RoutingControls.from(http::getHeader, parsed.request().metadata());
        return new Prepared(
                parsed.model(),
                controls.apply(named),
                RoutingControls.withoutPonderMetadata(parsed.request()),
                parsed.includeUsage(),
                ContentLogging.of(http, logContent),
                (String) http.getAttribute(SecurityAttributes.KEY_ID));
    }

    RouteDecision route(Prepared prepared) {
        return engine.route(prepared.request(), prepared.policy());
    }

    /**
     * Runs the request and answers it whole, written as bytes with its length (see {@link JsonBodies}); a failure is
     * thrown as the client's error. A client that hangs up meanwhile stops the cascade ({@link HangUps}) and is
     * written nothing.
     */
    void answer(Prepared prepared, String id, WireFormat format, HttpServletResponse response) throws IOException {
        Instant received = clock.instant();
        long startNanos = System.nanoTime();
        HangUps.Watch watch = hangUps.watch();
        CascadeResult result;
        boolean hungUp;
        try {
            result = engine.run(prepared.request(), prepared.policy());
        } finally {
            hungUp = watch.end();
        }
        // Asked whatever the result, as it also clears a cut's interrupt, which the answer must not be written with.
        boolean cut = drain.cutThisRequest();
        double totalMs = millisSince(startNanos);
        Trail trail = result.trail();
        if (hungUp) {
            watch.abandon(response);
            publish(hungUp(id, received, prepared, false, result, totalMs));
            return;
        }
        switch (result) {
            case CascadeResult.Answered answered -> {
                publish(answered(id, received, prepared, false, 200, answered, totalMs, null));
                response.setStatus(200);
                setFinalHeaders(
                        response, trail, answered.by().tierName(), answered.by().backend(), totalMs);
                JsonBodies.write(
                        response,
                        writer,
                        format.completion(id, received.getEpochSecond(), answered.choices(), prepared.logprobs()));
            }
            case CascadeResult.Failed failed -> {
                ApiException error = clientError(failed, cut);
                publish(failed(id, received, prepared, false, error.status(), trail, totalMs, reason(failed, cut)));
                throw error;
            }
        }
    }

    /**
     * Streams the answer as server-sent events. The cascade runs on its own virtual thread and hands deltas over a
     * queue, so that this thread notices a client that left at its next write and interrupts the backend call.
     * Nothing is written before the first delta: until then a failure is an ordinary error response, and a client
     * that hangs up is noticed by {@link HangUps} instead (a lower tier's answer buffered for its check can take as
     * long as a whole answer) and written nothing.
     */
    void stream(Prepared prepared, String id, WireFormat format, String object, HttpServletResponse response)
            throws IOException {
        Instant received = clock.instant();
        long startNanos = System.nanoTime();
        double score = route(prepared).score();
        TierTracker tracker = new TierTracker();
        CascadePolicy tracked = tracker.track(prepared.policy());
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        Thread worker = Thread.ofVirtual().name("ponder-stream-" + id).start(() -> {
            if (mdc != null) {
                MDC.setContextMap(mdc);
            }
            try {
                events.add(engine.stream(
                        prepared.request(), tracked, tracked.streamMode(), tracker.notingFirstDelta(events::add)));
            } catch (RuntimeException | Error e) {
                // Whatever ends the worker must reach the thread waiting for its events, or the request hangs.
                events.add(e);
            }
        });
        // ShutdownDrain cuts what outlived the drain: through the queue, so that this thread is never interrupted in
        // the middle of a write. The backend call is stopped; the answer then ends as any stream cut short, and its
        // outcome counts what was sent.
        drain.onCut(() -> events.add(Cut.MARK));
        HangUps.Watch watch = hangUps.watch();
        boolean watching = true;
        boolean hungUp = false;
        SseWriter out = null;
        boolean clientGone = false;
        boolean cut = false;
        long cutDeadline = 0;
        while (true) {
            Object event;
            try {
                event = cut ? afterCut(events, cutDeadline) : events.take();
            } catch (InterruptedException e) {
                // The watch saw the client hang up (told below), or the cut came before the stream asked for it
                // through the queue. Nothing was written yet either way.
                event = Cut.MARK;
            }
            if (watching) {
                // The first event ends the watch, before anything is written: its probe reads the client's socket,
                // which must not happen while this thread writes to it (end() waits out a probe in progress). From
                // then on a failed write tells.
                watching = false;
                if (watch.end()) {
                    hungUp = true;
                    clientGone = true;
                    watch.abandon(response);
                    worker.interrupt();
                    if (event instanceof Cut) {
                        continue;
                    }
                }
            }
            if (hungUp && event instanceof CascadeResult result) {
                publish(hungUp(id, received, prepared, true, result, millisSince(startNanos)));
                return;
            }
            switch (event) {
                case Cut mark -> {
                    if (!cut) {
                        worker.interrupt();
                        cut = true;
                        cutDeadline = System.nanoTime() + ShutdownDrain.CUT_GRACE.toNanos();
                    }
                }
                case Delta delta -> {
                    if (clientGone) {
                        continue;
                    }
                    try {
                        if (out == null) {
                            out = open(response, id, received, prepared, format, object, tracker, score, delta);
                        }
                        out.send(format.delta(out.envelope(), 0, delta));
                    } catch (IOException e) {
                        clientGone = true;
                        worker.interrupt();
                    }
                }
                case CascadeResult.Answered answered -> {
                    if (!clientGone) {
                        try {
                            if (out == null) {
                                out = open(response, id, received, prepared, format, object, tracker, score, null);
                            }
                            finish(out, format, answered.choices());
                            if (prepared.includeUsage()) {
                                out.send(format.usage(out.envelope(), answered.choices()));
                            }
                            out.done();
                        } catch (IOException e) {
                            clientGone = true;
                        }
                    }
                    int status = clientGone ? CLIENT_CLOSED : 200;
                    String error = clientGone ? "client closed the stream" : null;
                    publish(answered(id, received, prepared, true, status, answered, millisSince(startNanos), error));
                    return;
                }
                case CascadeResult.Failed failed -> {
                    ApiException error = clientError(failed, cut);
                    String reason = reason(failed, cut);
                    double totalMs = millisSince(startNanos);
                    if (out == null && !clientGone) {
                        publish(failed(id, received, prepared, true, error.status(), failed.trail(), totalMs, reason));
                        throw error;
                    }
                    if (!clientGone) {
                        // Headers and a 200 are gone already: OpenAI ends such a stream with an error event. A
                        // backend did answer in part, so "no backend could answer" would mislead.
                        out.sendQuietly(ErrorResponses.body(
                                "The answer broke off after it began: " + reason, error.type(), null, error.code()));
                    }
                    int status = clientGone ? CLIENT_CLOSED : 200;
                    publish(failed(id, received, prepared, true, status, failed.trail(), totalMs, reason));
                    return;
                }
                case RuntimeException e -> throw unexpected(out, e);
                case Error e -> throw unexpected(out, e);
                default -> throw new IllegalStateException("unexpected stream event " + event);
            }
        }
    }

    /**
     * What the client of a failed cascade is told: the backends' failure, or, when the shutdown drain cut it, that
     * this replica is shutting down (the backend call failed only as interrupted).
     */
    private static ApiException clientError(CascadeResult.Failed failed, boolean cut) {
        return cut ? ShutdownDrain.CUT : ErrorResponses.fromBackend(failed.error());
    }

    /** The failure as the outcome log records it. */
    private static String reason(CascadeResult.Failed failed, boolean cut) {
        return cut ? SHUT_DOWN + failed.error().getMessage() : failed.error().getMessage();
    }

    /** A failure of ours, rethrown for the error response; a stream already begun ends with an error event. */
    private static <T extends Throwable> T unexpected(SseWriter out, T failure) {
        if (out != null) {
            out.sendQuietly(ErrorResponses.body("Ponder failed to handle the request.", "server_error", null, null));
        }
        return failure;
    }

    /**
     * The choices after the first, which came whole once the first was accepted (n &gt; 1), then each choice's
     * finish reason.
     */
    private static void finish(SseWriter out, WireFormat format, List<ChatAnswer> choices) throws IOException {
        for (int index = 1; index < choices.size(); index++) {
            for (Delta delta : Delta.of(choices.get(index))) {
                out.send(format.delta(out.envelope(), index, delta));
            }
        }
        for (int index = 0; index < choices.size(); index++) {
            out.send(format.finish(out.envelope(), index, choices.get(index).finishReason()));
        }
    }

    /** The stream's event that the shutdown drain cut it. */
    private enum Cut {
        MARK
    }

    /** The worker's next event once its backend call was interrupted, which ends it by {@code deadline}. */
    private static Object afterCut(BlockingQueue<Object> events, long deadline) throws InterruptedException {
        Object event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (event == null) {
            throw new IllegalStateException("cut at shutdown while streaming; the backend call went on");
        }
        return event;
    }

    /**
     * Commits the response: status, headers naming the tier that is answering, and the format's opening chunks for
     * the {@code first} delta (null: none).
     */
    private SseWriter open(
            HttpServletResponse response,
            String id,
            Instant received,
            Prepared prepared,
            WireFormat format,
            String object,
            TierTracker tracker,
            double score,
            Delta first)
            throws IOException {
        TierTracker.Answering answering = tracker.answering();
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
        // Keeps reverse proxies (nginx) from buffering the events.
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader("x-ponder-policy", prepared.policy().name());
        response.setHeader("x-ponder-tier", answering.tier());
        response.setHeader("x-ponder-backend", answering.backend());
        response.setHeader("x-ponder-score", score(score));
        response.setHeader("x-ponder-escalations", Integer.toString(tracker.escalations()));
        WireFormat.Envelope envelope = new WireFormat.Envelope(
                id,
                object,
                received.getEpochSecond(),
                answering.model(),
                prepared.includeUsage(),
                prepared.logprobs(),
                prepared.choices());
        SseWriter out = new SseWriter(response.getOutputStream(), writer, envelope);
        for (Map<String, Object> chunk : format.opening(envelope, first)) {
            out.send(chunk);
        }
        return out;
    }

    /** Writes server-sent events, each flushed at once: {@code data: <json>\n\n}, ending with {@code [DONE]}. */
    private record SseWriter(OutputStream out, ObjectWriter writer, WireFormat.Envelope envelope) {

        private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

        void send(Map<String, Object> chunk) throws IOException {
            if (chunk != null) {
                write(writer.writeValueAsBytes(chunk));
            }
        }

        void sendQuietly(Map<String, Object> chunk) {
            try {
                send(chunk);
            } catch (IOException e) {
                // the client left; there is no one to tell
            }
        }

        void done() throws IOException {
            write(DONE);
        }

        /** The servlet stream buffers the three writes until the flush: one event, one socket write. */
        private void write(byte[] data) throws IOException {
            out.write(DATA);
            out.write(data);
            out.write(END);
            out.flush();
        }
    }

    private Outcome answered(
            String id,
            Instant received,
            Prepared prepared,
            boolean stream,
            int status,
            CascadeResult.Answered answered,
            double totalMs,
            String error) {
        return new Outcome(
                id,
                received,
                prepared.model(),
                stream,
                status,
                answered.by().tier(),
                answered.answer().refused(),
                answered.by().backend(),
                answered.answer().model(),
                totalMs,
                answered.trail(),
                error,
                prepared.content().keep(prepared.request().lastUserText()),
                prepared.content()
                        .keep(
                                answered.answer().refused()
                                        ? answered.answer().refusal()
                                        : answered.answer().text()),
                prepared.keyId());
    }

    private Outcome failed(
            String id,
            Instant received,
            Prepared prepared,
            boolean stream,
            int status,
            Trail trail,
            double totalMs,
            String error) {
        return new Outcome(
                id,
                received,
                prepared.model(),
                stream,
                status,
                -1,
                false,
                null,
                null,
                totalMs,
                trail,
                error,
                prepared.content().keep(prepared.request().lastUserText()),
                null,
                prepared.keyId());
    }

    /** The outcome of a request whose client hung up before anything was written to it. */
    private Outcome hungUp(
            String id, Instant received, Prepared prepared, boolean stream, CascadeResult result, double totalMs) {
        return switch (result) {
            case CascadeResult.Answered answered ->
                answered(id, received, prepared, stream, CLIENT_CLOSED, answered, totalMs, HUNG_UP);
            case CascadeResult.Failed failed ->
                failed(
                        id,
                        received,
                        prepared,
                        stream,
                        CLIENT_CLOSED,
                        failed.trail(),
                        totalMs,
                        HUNG_UP + "; " + failed.error().getMessage());
        };
    }

    private void publish(Outcome outcome) {
        outcomeListeners.forEach(listener -> listener.onOutcome(outcome));
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    /** What a request cost, in USD: the completions' attempts together, an embedding's input. */
    static String usd(double cost) {
        return String.format(Locale.ROOT, "%.8f", cost);
    }

    private static String score(double score) {
        return String.format(Locale.ROOT, "%.4f", score);
    }

    /** The headers that let a client check what Ponder decided and what it cost; see docs/api.md. */
    private static void setFinalHeaders(
            HttpServletResponse response, Trail trail, String tier, String backend, double totalMs) {
        response.setHeader("x-ponder-policy", trail.policy());
        response.setHeader("x-ponder-tier", tier);
        response.setHeader("x-ponder-backend", backend);
        response.setHeader("x-ponder-score", score(trail.score()));
        response.setHeader("x-ponder-escalations", Integer.toString(trail.escalations()));
        response.setHeader(COST_HEADER, usd(trail.costUsd()));
        double overhead = Math.max(0, totalMs - trail.backendTime().toNanos() / 1e6);
        response.setHeader("x-ponder-overhead-ms", String.format(Locale.ROOT, "%.3f", overhead));
    }
}
