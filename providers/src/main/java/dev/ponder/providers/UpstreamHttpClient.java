package dev.ponder.providers;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP client every LangChain4j model of a backend talks through. Unlike LangChain4j's own JDK client it keeps
 * the response headers of a failure ({@code Retry-After}), and it runs each stream on a thread that an
 * {@link UpstreamCall} can stop, so an interrupted caller cancels the upstream request.
 *
 * <p>It is Apache HttpClient's blocking client with a connection pool, on virtual threads: per call it costs a
 * fraction of the CPU the JDK {@code HttpClient} does (whose asynchronous pipeline, selector thread and futures were
 * the largest share of Ponder's own CPU per request; see docs/benchmarks.md). Blocking socket reads on a virtual
 * thread end when the thread is interrupted, so cancelling still hangs up on the server.
 */
final class UpstreamHttpClient implements HttpClient {

    /** Upstream connections are bounded by each backend's bulkhead, not by the pool. */
    private static final int MAX_CONNECTIONS = 100_000;

    private final CloseableHttpClient delegate;

    private UpstreamHttpClient(Builder builder) {
        ConnectionConfig.Builder connection = ConnectionConfig.custom()
                // Re-check a pooled connection idle this long before reusing it, so one the server closed is not
                // written to.
                .setValidateAfterInactivity(TimeValue.ofSeconds(1));
        if (builder.connectTimeout != null) {
            connection.setConnectTimeout(Timeout.of(builder.connectTimeout));
        }
        RequestConfig.Builder request = RequestConfig.custom();
        if (builder.readTimeout != null) {
            // Bounds the wait for the response, as the JDK client's request timeout did.
            request.setResponseTimeout(Timeout.of(builder.readTimeout));
        }
        this.delegate = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(MAX_CONNECTIONS)
                        .setMaxConnPerRoute(MAX_CONNECTIONS)
                        .setDefaultConnectionConfig(connection.build())
                        .build())
                .setDefaultRequestConfig(request.build())
                // Retries are the backend's policy (Resilience4j); redirects, cookies and compression are not
                // what an API client wants behind its back.
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableContentCompression()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .build();
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        try {
            return delegate.execute(toApache(request), response -> {
                byte[] body =
                        response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity());
                if (!successful(response)) {
                    throw new UpstreamHttpException(
                            response.getCode(), new String(body, StandardCharsets.UTF_8), retryAfter(response));
                }
                return toSuccess(response, body);
            });
        } catch (IOException e) {
            throw interruptedOr(e);
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        UpstreamCall call = UpstreamCall.current();
        Thread.ofVirtual().name("upstream-stream").start(() -> {
            call.onReaderStarted(Thread.currentThread());
            ClassicHttpRequest upstream = toApache(request);
            try (ClassicHttpResponse response = delegate.executeOpen(null, upstream, null)) {
                InputStream body = response.getEntity() == null
                        ? InputStream.nullInputStream()
                        : response.getEntity().getContent();
                if (!successful(response)) {
                    listener.onError(
                            new UpstreamHttpException(response.getCode(), readAll(body), retryAfter(response)));
                    return;
                }
                // Cancelling aborts the exchange (the connection is dropped, not drained for reuse).
                call.onBodyOpened(new FilterInputStream(body) {
                    @Override
                    public void close() {
                        ((HttpUriRequestBase) upstream).cancel();
                    }
                });
                listener.onOpen(toSuccess(response, null));
                parser.parse(body, listener);
                if (!call.cancelled()) {
                    listener.onClose();
                }
            } catch (IOException | RuntimeException e) {
                if (!call.cancelled()) {
                    listener.onError(interruptedOr(e));
                }
            }
        });
    }

    /**
     * In the JDK client's terms, which {@link UpstreamErrors} classifies: an I/O failure of an interrupted thread is
     * the interrupt's doing (the caller gave up); Apache's timeouts are the JDK client's timeouts, which escalate at
     * once rather than being retried like a reset connection.
     */
    private static RuntimeException interruptedOr(Exception e) {
        if (Thread.currentThread().isInterrupted()) {
            return new UpstreamCall.Interrupted(new InterruptedException(e.getMessage()));
        }
        if (e instanceof ConnectTimeoutException) {
            return new UncheckedIOException(new HttpConnectTimeoutException(e.getMessage()));
        }
        if (e instanceof SocketTimeoutException) {
            return new UncheckedIOException(new HttpTimeoutException(e.getMessage()));
        }
        return e instanceof RuntimeException runtime ? runtime : new UncheckedIOException((IOException) e);
    }

    private static ClassicHttpRequest toApache(HttpRequest request) {
        HttpUriRequestBase upstream = new HttpUriRequestBase(request.method().name(), URI.create(request.url()));
        request.headers().forEach((name, values) -> {
            if (values != null) {
                values.forEach(value -> upstream.addHeader(name, value));
            }
        });
        if (request.body() != null) {
            // The request's own Content-Type header says what the body is.
            upstream.setEntity(new ByteArrayEntity(request.body().getBytes(StandardCharsets.UTF_8), null));
        }
        return upstream;
    }

    private static boolean successful(ClassicHttpResponse response) {
        return response.getCode() / 100 == 2;
    }

    private static String retryAfter(ClassicHttpResponse response) {
        Header header = response.getFirstHeader("Retry-After");
        return header == null ? null : header.getValue();
    }

    private static SuccessfulHttpResponse toSuccess(ClassicHttpResponse response, byte[] body) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header header : response.getHeaders()) {
            headers.computeIfAbsent(header.getName(), name -> new ArrayList<>()).add(header.getValue());
        }
        return SuccessfulHttpResponse.builder()
                .statusCode(response.getCode())
                .headers(headers)
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
     * values it was made with and ignores those calls.
     */
    static final class Builder implements HttpClientBuilder {
        private final Duration connectTimeout;
        private final Duration readTimeout;

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
        public HttpClient build() {
            return new UpstreamHttpClient(this);
        }
    }
}
