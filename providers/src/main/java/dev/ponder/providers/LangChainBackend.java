package dev.ponder.providers;

import dev.langchain4j.exception.ContentFilteredException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.ModelBackend;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import tools.jackson.core.JacksonException;

/**
 * A model server reached through LangChain4j. Streamed deltas are handed to the caller on the caller's own thread;
 * the first-token and total timeouts are enforced here, and a timeout, an interrupt or a failing consumer cancels
 * the upstream request.
 */
final class LangChainBackend implements ModelBackend {

    private final BackendInfo info;
    private final ChatModel chatModel;
    private final StreamingChatModel streamingModel;
    private final Function<ChatRequest, dev.langchain4j.model.chat.request.ChatRequest> toRequest;
    private final UpstreamErrors errors;
    private final BackendSpec.Timeouts timeouts;

    LangChainBackend(
            BackendInfo info,
            ChatModel chatModel,
            StreamingChatModel streamingModel,
            Function<ChatRequest, dev.langchain4j.model.chat.request.ChatRequest> toRequest,
            UpstreamErrors errors,
            BackendSpec.Timeouts timeouts) {
        this.info = info;
        this.chatModel = chatModel;
        this.streamingModel = streamingModel;
        this.toRequest = toRequest;
        this.errors = errors;
        this.timeouts = timeouts;
    }

    @Override
    public BackendInfo info() {
        return info;
    }

    @Override
    public ChatAnswer chat(ChatRequest request) {
        var upstreamRequest = translate(request);
        UpstreamCall call = new UpstreamCall();
        try {
            return LangChainMapping.answer(
                    call.run(() -> chatModel.chat(upstreamRequest)), null, request, info.model(), info.price());
        } catch (ContentFilteredException refusal) {
            // LangChain4j's reading of an OpenAI answer whose message is a refusal: an answer all the same.
            return LangChainMapping.refusal(
                    call.answerBody(), refusal.getMessage(), request, info.model(), info.price());
        } catch (RuntimeException e) {
            throw errors.map(e);
        }
    }

    @Override
    public ChatAnswer stream(ChatRequest request, Consumer<Delta> onDelta) {
        var upstreamRequest = translate(request);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        UpstreamCall call = new UpstreamCall();
        long start = System.nanoTime();
        boolean delivering = false;
        boolean finished = false;
        // Queued after whatever the handler made of the end of the body: if that was no answer, the answer is cut.
        call.whenEnded(() -> events.add(new Event.Ended()));
        // LangChain4j drops an OpenAI stream's refusal: read from each event ahead of it, so that it keeps its place.
        call.tapEvents(data -> {
            String piece = LangChainMapping.chunkRefusal(data);
            if (piece != null && !piece.isEmpty()) {
                events.add(new Event.Piece(new Delta.Refusal(piece)));
            }
        });
        StringBuilder refusal = new StringBuilder();
        try {
            call.run(() -> {
                streamingModel.chat(
                        upstreamRequest,
                        new Forwarder(
                                events, Boolean.TRUE.equals(request.options().logprobs())));
                return null;
            });
            boolean first = true;
            while (true) {
                Duration limit = first ? timeouts.firstToken() : timeouts.total();
                long left = limit.toNanos() - (System.nanoTime() - start);
                Event event = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
                if (event == null) {
                    call.cancel();
                    throw errors.timeout((first ? "no first token within " : "answer not complete within ") + limit);
                }
                first = false;
                switch (event) {
                    case Event.Piece piece -> {
                        if (piece.delta() instanceof Delta.Refusal part) {
                            refusal.append(part.text());
                        }
                        delivering = true;
                        onDelta.accept(piece.delta());
                        delivering = false;
                    }
                    case Event.Done done -> {
                        finished = true;
                        // Every protocol ends a whole answer with its finish reason. A connection that just closes
                        // (an upstream or a proxy dying mid-answer, EOF-framed) ends LangChain4j's stream too: that
                        // answer is cut off, not done.
                        if (done.response().finishReason() == null) {
                            throw errors.incomplete(
                                    "the stream ended without a finish reason: the answer is cut off",
                                    call.errorEvent());
                        }
                        return LangChainMapping.answer(
                                done.response(), refusal.toString(), request, info.model(), info.price());
                    }
                    case Event.Failed failed -> throw errors.map(failed.error());
                    case Event.Ended ended -> {
                        finished = true;
                        throw errors.incomplete(
                                "the stream ended before its done event: the answer is cut off", call.errorEvent());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.map(new UpstreamCall.Interrupted(e));
        } catch (RuntimeException e) {
            if (delivering) {
                // The caller's consumer failed (e.g. its client left): that is the caller's error, not the backend's.
                throw e;
            }
            throw errors.map(e);
        } finally {
            // Whatever ended the loop early (timeout, interrupt, a failure, a consumer that threw) must not leave the
            // upstream request running. A finished stream is left to close itself, so its connection can be reused.
            if (!finished) {
                call.cancel();
            }
        }
    }

    private dev.langchain4j.model.chat.request.ChatRequest translate(ChatRequest request) {
        try {
            return toRequest.apply(request);
        } catch (IllegalArgumentException | ArithmeticException | JacksonException e) {
            // Malformed tools or schemas are the caller's mistake, whichever backend would get them.
            throw new BackendException(
                    BackendException.Action.GIVE_UP,
                    "invalid request: " + e.getMessage(),
                    400,
                    "invalid_request_error",
                    null,
                    e);
        }
    }

    private sealed interface Event {
        record Piece(Delta delta) implements Event {}

        record Done(ChatResponse response) implements Event {}

        record Failed(Throwable error) implements Event {}

        /** The body ended; once the handler has answered or failed, nobody reads this. */
        record Ended() implements Event {}
    }

    /** Runs on the upstream reader thread: turns LangChain4j callbacks into events for the caller's thread. */
    private static final class Forwarder implements StreamingChatResponseHandler {
        private final BlockingQueue<Event> events;
        private final boolean logprobs;
        private final Set<Integer> toolCallsStarted = new HashSet<>();

        Forwarder(BlockingQueue<Event> events, boolean logprobs) {
            this.events = events;
            this.logprobs = logprobs;
        }

        @Override
        public void onPartialResponse(String text) {
            if (!text.isEmpty()) {
                // LangChain4j hands on only the text: the piece's token logprobs are read from the raw event.
                events.add(new Event.Piece(new Delta.Text(
                        text, logprobs ? LangChainMapping.chunkLogprobs(UpstreamHttpClient.currentEvent()) : null)));
            }
        }

        @Override
        public void onPartialToolCall(PartialToolCall partial) {
            // id and name go with a call's first fragment only, as OpenAI streams them.
            boolean firstFragment = toolCallsStarted.add(partial.index());
            events.add(new Event.Piece(new Delta.ToolCallFragment(
                    partial.index(),
                    firstFragment ? partial.id() : null,
                    firstFragment ? partial.name() : null,
                    partial.partialArguments())));
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall complete) {
            // Providers that send a call whole (Ollama) have no fragments: the whole call is one delta.
            if (toolCallsStarted.add(complete.index())) {
                var call = complete.toolExecutionRequest();
                events.add(new Event.Piece(
                        new Delta.ToolCallFragment(complete.index(), call.id(), call.name(), call.arguments())));
            }
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            events.add(new Event.Done(response));
        }

        @Override
        public void onError(Throwable error) {
            events.add(new Event.Failed(error));
        }
    }
}
