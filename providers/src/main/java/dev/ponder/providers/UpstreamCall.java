package dev.ponder.providers;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One upstream call in flight, so that it can be cancelled. LangChain4j's streaming models return before the
 * stream ends and hide the HTTP exchange; {@link UpstreamHttpClient} picks the call up from the calling thread
 * and registers the thread and body it reads, which {@link #cancel()} interrupts and closes. It also hands on what
 * LangChain4j drops: a whole answer's raw body, and each streamed event's raw data.
 */
final class UpstreamCall {

    private static final ThreadLocal<UpstreamCall> CURRENT = new ThreadLocal<>();

    private volatile boolean cancelled;
    private volatile Thread reader;
    private volatile InputStream body;
    private volatile Runnable whenEnded = () -> {};
    private volatile String errorEvent;
    private volatile Consumer<String> eventTap = data -> {};
    private volatile byte[] answerBody;

    /** The call the current thread is making, or a detached one nobody will cancel. */
    static UpstreamCall current() {
        UpstreamCall call = CURRENT.get();
        return call != null ? call : new UpstreamCall();
    }

    /** Runs {@code action} with this as the current thread's call. */
    <T> T run(Supplier<T> action) {
        CURRENT.set(this);
        try {
            return action.get();
        } finally {
            CURRENT.remove();
        }
    }

    void onReaderStarted(Thread thread) {
        reader = thread;
        if (cancelled) {
            thread.interrupt();
        }
    }

    void onBodyOpened(InputStream stream) {
        body = stream;
        if (cancelled) {
            close(stream);
        }
    }

    /**
     * Runs {@code action} once the stream's body has ended and its listener has been told, whatever the listener
     * made of the end: LangChain4j's Ollama and Anthropic handlers wait for their done event and ignore a body that
     * ends without it.
     */
    void whenEnded(Runnable action) {
        whenEnded = action;
    }

    void ended() {
        whenEnded.run();
    }

    /** An event in which the upstream reported a failure mid-stream (its raw data), kept to say why it broke off. */
    void errorEvent(String data) {
        errorEvent = data;
    }

    /** The last {@link #errorEvent(String)}, or null. */
    String errorEvent() {
        return errorEvent;
    }

    /**
     * Runs {@code tap} with the raw data of each streamed event, on the reader thread, before LangChain4j handles
     * it: what it makes of an event comes after what the tap made of it.
     */
    void tapEvents(Consumer<String> tap) {
        eventTap = tap;
    }

    void event(String data) {
        eventTap.accept(data);
    }

    /** The body of a whole (non-streamed) successful answer, as received. */
    void answered(byte[] body) {
        answerBody = body;
    }

    /** The last {@link #answered(byte[])} body, or null. */
    byte[] answerBody() {
        return answerBody;
    }

    boolean cancelled() {
        return cancelled;
    }

    void cancel() {
        cancelled = true;
        Thread thread = reader;
        if (thread != null) {
            thread.interrupt();
        }
        InputStream stream = body;
        if (stream != null) {
            close(stream);
        }
    }

    private static void close(InputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // Closing is how the read is abandoned; a failure to close changes nothing.
        }
    }

    /** The calling thread was interrupted: the caller gave up on this call. */
    static final class Interrupted extends RuntimeException {
        Interrupted(InterruptedException cause) {
            super("interrupted", cause);
        }
    }
}
