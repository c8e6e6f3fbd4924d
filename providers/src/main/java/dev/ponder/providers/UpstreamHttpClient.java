package dev.ponder.providers;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The HTTP client every LangChain4j model of a backend talks through. Unlike LangChain4j's own JDK client it keeps
 * the response headers of a failure ({@code Retry-After}), and it runs each stream on a thread that an
 * {@link UpstreamCall} can stop, so an interrupted caller cancels the upstream request.
 */
final class UpstreamHttpClient implements HttpClient {

    private final java.net.http.HttpClient delegate;
    private final Duration readTimeout;

    private UpstreamHttpClient(Builder builder) {
        java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder()
                // Virtual threads for the client's own async work; callers block on their own threads.
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .version(java.net.http.HttpClient.Version.HTTP_1_1);
        if (builder.connectTimeout != null) {
            jdk.connectTimeout(builder.connectTimeout);
        }
        this.delegate = jdk.build();
        this.readTimeout = builder.readTimeout;
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        try {
            HttpResponse<byte[]> response = delegate.send(toJdk(request), BodyHandlers.ofByteArray());
            if (!successful(response)) {
                throw new UpstreamHttpException(
                        response.statusCode(),
                        new String(response.body(), StandardCharsets.UTF_8),
                        response.headers().firstValue("Retry-After").orElse(null));
            }
            return toSuccess(response, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamCall.Interrupted(e);
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        UpstreamCall call = UpstreamCall.current();
        Thread.ofVirtual().name("upstream-stream").start(() -> {
            call.onReaderStarted(Thread.currentThread());
            InputStream body = null;
            try {
                HttpResponse<InputStream> response = delegate.send(toJdk(request), BodyHandlers.ofInputStream());
                body = response.body();
                if (!successful(response)) {
                    String text = readAll(body);
                    listener.onError(new UpstreamHttpException(
                            response.statusCode(),
                            text,
                            response.headers().firstValue("Retry-After").orElse(null)));
                    return;
                }
                call.onBodyOpened(body);
                listener.onOpen(toSuccess(response, null));
                parser.parse(body, new Tapped(listener));
                if (!call.cancelled()) {
                    listener.onClose();
                }
            } catch (IOException | RuntimeException e) {
                if (!call.cancelled()) {
                    listener.onError(e);
                }
            } catch (InterruptedException e) {
                if (!call.cancelled()) {
                    listener.onError(new UpstreamCall.Interrupted(e));
                }
            } finally {
                closeQuietly(body);
            }
        });
    }

    private java.net.http.HttpRequest toJdk(HttpRequest request) {
        java.net.http.HttpRequest.Builder builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url()));
        request.headers().forEach((name, values) -> {
            if (values != null) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        builder.method(
                request.method().name(),
                request.body() == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
        if (readTimeout != null) {
            builder.timeout(readTimeout);
        }
        return builder.build();
    }

    private static boolean successful(HttpResponse<?> response) {
        return response.statusCode() / 100 == 2;
    }

    private static SuccessfulHttpResponse toSuccess(HttpResponse<?> response, byte[] body) {
        return SuccessfulHttpResponse.builder()
                .statusCode(response.statusCode())
                .headers(response.headers().map())
                .body(body)
                .build();
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // The stream is being abandoned; nothing is left to report.
        }
    }

    /**
     * The data of the server-sent event being handled on this thread, or null. LangChain4j's streaming handlers
     * run on the thread that reads the event, and hand on only part of it (no token logprobs): this lets a handler
     * read the rest.
     */
    static String currentEvent() {
        return CURRENT_EVENT.get();
    }

    private static final ThreadLocal<String> CURRENT_EVENT = new ThreadLocal<>();

    /** Passes every event on, with its data in {@link #currentEvent()} while it is handled. */
    private record Tapped(ServerSentEventListener listener) implements ServerSentEventListener {

        @Override
        public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
            CURRENT_EVENT.set(event.data());
            try {
                listener.onEvent(event, context);
            } finally {
                CURRENT_EVENT.remove();
            }
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            CURRENT_EVENT.set(event.data());
            try {
                listener.onEvent(event);
            } finally {
                CURRENT_EVENT.remove();
            }
        }

        @Override
        public void onError(Throwable error) {
            listener.onError(error);
        }

        @Override
        public void onClose() {
            listener.onClose();
        }
    }

    /** A non-2xx answer, with the pause the upstream asked for (raw {@code Retry-After}, may be null). */
    static final class UpstreamHttpException extends HttpException {
        private final String retryAfter;
        private final String body;

        UpstreamHttpException(int statusCode, String body, String retryAfter) {
            super(statusCode, body);
            this.body = body;
            this.retryAfter = retryAfter;
        }

        String retryAfter() {
            return retryAfter;
        }

        String body() {
            return body;
        }
    }

    /**
     * Carries the backend's own timeouts. LangChain4j's model builders overwrite a client builder's timeouts with
     * their defaults (15 s connect, 60 s read) unless given one {@code timeout} for both; this builder keeps the
     * values it was made with and ignores those calls. It builds one client, however often asked: the models of a
     * backend share its selector thread and its pool of kept-alive connections.
     */
    static final class Builder implements HttpClientBuilder {
        private final Duration connectTimeout;
        private final Duration readTimeout;
        private UpstreamHttpClient built;

        Builder(Duration connectTimeout, Duration readTimeout) {
            this.connectTimeout = connectTimeout;
            this.readTimeout = readTimeout;
        }

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public Builder connectTimeout(Duration ignored) {
            return this;
        }

        @Override
        public Duration readTimeout() {
            return readTimeout;
        }

        @Override
        public Builder readTimeout(Duration ignored) {
            return this;
        }

        @Override
        public synchronized HttpClient build() {
            if (built == null) {
                built = new UpstreamHttpClient(this);
            }
            return built;
        }
    }
}
