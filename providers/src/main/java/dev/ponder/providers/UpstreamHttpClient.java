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
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ProxySelector;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.entity.DeflateInputStream;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.SystemDefaultRoutePlanner;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.EofSensorInputStream;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The HTTP client every LangChain4j model of a backend talks through: Apache HttpClient 5 classic, blocking I/O on
 * the caller's (virtual) thread, so a call costs no selector thread and no future chain. Unlike LangChain4j's own
 * clients it keeps the response headers of a failure ({@code Retry-After}), and it runs each stream on a thread
 * that an {@link UpstreamCall} can stop: an interrupted caller closes the body, which drops the connection.
 *
 * <p>Its pool holds at most as many connections as the backend's bulkhead lets calls run. It retries nothing but a
 * request a kept-alive connection dropped unanswered ({@link StaleConnectionRetry}: the guard's Resilience4j retry
 * owns retries) and a stream refused for its {@code stream_options} ({@link #refusesStreamOptions}), never follows
 * redirects, keeps no cookies, asks for no compression (but reads a gzip or deflate answer sent unasked); HTTPS
 * trusts the JDK's trust store, and proxies come from the default {@link ProxySelector} ({@code https.proxyHost} and
 * the like), as with the JDK client it replaced.
 */
final class UpstreamHttpClient implements HttpClient {

    /**
     * A kept-alive connection idle longer than this is checked before reuse (a 1 ms read): the upstream may have
     * closed it meanwhile. One the server closed sooner is found by using it ({@link StaleConnectionRetry}).
     */
    private static final TimeValue CHECK_AFTER_IDLE = TimeValue.ofSeconds(2);
    /** Connections idle this long are closed by the pool's evictor thread, not left to the server. */
    private static final TimeValue EVICT_AFTER_IDLE = TimeValue.ofMinutes(1);

    /**
     * Ends non-streamed calls that outlive the backend's total timeout: the socket timeout bounds each silence, not
     * an upstream that trickles its answer. One daemon thread for every backend; a call that ends first removes its
     * entry.
     */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private static final String STREAM_OPTIONS = "stream_options";
    private static final JsonMapper JSON = JsonMapper.shared();

    private final CloseableHttpClient delegate;
    private final Duration total;
    /** False once the server refused {@code stream_options}: see {@link #refusesStreamOptions}. */
    private volatile boolean sendStreamOptions = true;

    private UpstreamHttpClient(Builder builder) {
        Timeout connect = Timeout.of(builder.connectTimeout);
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(builder.maxConnections)
                .setMaxConnPerRoute(builder.maxConnections)
                .setDefaultSocketConfig(
                        SocketConfig.custom().setTcpNoDelay(true).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        // The longest silence on an open connection, headers and body alike.
                        .setSocketTimeout(Timeout.of(builder.readTimeout))
                        .setValidateAfterInactivity(CHECK_AFTER_IDLE)
                        .build())
                .setTlsSocketStrategy(DefaultClientTlsStrategy.createSystemDefault())
                .build();
        this.total = builder.readTimeout;
        this.delegate = HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        // Waiting for a pooled connection is bounded like opening one.
                        .setConnectionRequestTimeout(connect)
                        .build())
                .setRoutePlanner(new SystemDefaultRoutePlanner(ProxySelector.getDefault()))
                .setRetryStrategy(new StaleConnectionRetry(pool))
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableContentCompression()
                .evictIdleConnections(EVICT_AFTER_IDLE)
                .build();
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        HttpUriRequestBase out = toApache(request);
        ScheduledFuture<?> deadline = DEADLINES.schedule(out::cancel, total.toNanos(), TimeUnit.NANOSECONDS);
        try {
            ClassicHttpResponse response = delegate.executeOpen(null, out, null);
            byte[] body = readAll(response.getEntity());
            if (!successful(response)) {
                throw failure(response, new String(body, StandardCharsets.UTF_8));
            }
            // Kept for the backend: LangChain4j reads an OpenAI refusal as an exception and drops the rest of it.
            UpstreamCall.current().answered(body);
            return toSuccess(response, body);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                // An interrupted virtual thread's socket is closed under it: the caller gave up, nothing failed.
                throw new UpstreamCall.Interrupted(new InterruptedException(e.getMessage()));
            }
            // The request's flag, not the timer's: the timer counts as done only after cancel() returned, and the
            // read it broke off can fail before that.
            if (out.isCancelled()) {
                var timeout = new SocketTimeoutException("no complete answer within " + total);
                timeout.initCause(e);
                throw new UncheckedIOException(timeout);
            }
            throw new UncheckedIOException(e);
        } finally {
            deadline.cancel(false);
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        UpstreamCall call = UpstreamCall.current();
        Thread.ofVirtual().name("upstream-stream").start(() -> {
            call.onReaderStarted(Thread.currentThread());
            InputStream body = null;
            try {
                ClassicHttpResponse response = openStream(request, sendStreamOptions);
                body = content(response.getEntity());
                String refusal = refusal(response, body);
                if (refusal != null && refusesStreamOptions(response, refusal, request)) {
                    // Once more, at once, without them: a server that knows none refuses every stream with them.
                    closeQuietly(body);
                    response = openStream(request, false);
                    body = content(response.getEntity());
                    refusal = refusal(response, body);
                    // Only an answer without them proves they were the trouble, whatever the refusal's text said.
                    sendStreamOptions = refusal != null;
                }
                if (refusal != null) {
                    listener.onError(failure(response, refusal));
                    return;
                }
                call.onBodyOpened(body);
                listener.onOpen(toSuccess(response, null));
                parser.parse(body, new Tapped(listener, call));
                if (!call.cancelled()) {
                    listener.onClose();
                    call.ended();
                }
            } catch (IOException | RuntimeException e) {
                if (!call.cancelled()) {
                    listener.onError(
                            Thread.currentThread().isInterrupted()
                                    ? new UpstreamCall.Interrupted(new InterruptedException(e.getMessage()))
                                    : e);
                }
            } finally {
                closeQuietly(body);
            }
        });
    }

    private ClassicHttpResponse openStream(HttpRequest request, boolean withStreamOptions) throws IOException {
        String body = request.body();
        if (!withStreamOptions && body != null && body.contains("\"" + STREAM_OPTIONS + "\"")) {
            ObjectNode json = (ObjectNode) JSON.readTree(body);
            json.remove(STREAM_OPTIONS);
            body = JSON.writeValueAsString(json);
        }
        return delegate.executeOpen(null, toApache(request, body), null);
    }

    /** The body of a failed answer, or null for a successful one (whose body is left to read). */
    private static String refusal(ClassicHttpResponse response, InputStream body) throws IOException {
        return successful(response) ? null : new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Whether this refusal may be of {@code stream_options}, which LangChain4j sends with every OpenAI stream (to
     * have its usage) and which some OpenAI-compatible servers do not know and refuse (vLLM before 0.4.3, Mistral,
     * Azure's older API versions). If the same stream without them is then answered, this client leaves them out
     * from now on, and such a server's streams report no usage.
     */
    private boolean refusesStreamOptions(ClassicHttpResponse response, String refusal, HttpRequest request) {
        return sendStreamOptions
                && response.getCode() / 100 == 4
                && refusal.contains(STREAM_OPTIONS)
                && request.body() != null
                && request.body().contains("\"" + STREAM_OPTIONS + "\"");
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        var executor = new ScheduledThreadPoolExecutor(
                1, Thread.ofPlatform().name("upstream-deadlines").daemon().factory());
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    private static HttpUriRequestBase toApache(HttpRequest request) {
        return toApache(request, request.body());
    }

    private static HttpUriRequestBase toApache(HttpRequest request, String body) {
        HttpUriRequestBase out = new HttpUriRequestBase(request.method().name(), URI.create(request.url()));
        request.headers().forEach((name, values) -> {
            if (values != null) {
                values.forEach(value -> out.addHeader(name, value));
            }
        });
        if (body != null) {
            // No content type of its own: the request's headers carry LangChain4j's.
            out.setEntity(new ByteArrayEntity(body.getBytes(StandardCharsets.UTF_8), null));
        }
        return out;
    }

    private static boolean successful(ClassicHttpResponse response) {
        return response.getCode() / 100 == 2;
    }

    private static UpstreamHttpException failure(ClassicHttpResponse response, String body) {
        Header retryAfter = response.getFirstHeader("Retry-After");
        return new UpstreamHttpException(response.getCode(), body, retryAfter == null ? null : retryAfter.getValue());
    }

    private static SuccessfulHttpResponse toSuccess(ClassicHttpResponse response, byte[] body) {
        // Case-insensitive, as the JDK client's headers were: LangChain4j looks names up in its own spelling.
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header header : response.getHeaders()) {
            headers.computeIfAbsent(header.getName(), name -> new ArrayList<>(1))
                    .add(header.getValue());
        }
        return SuccessfulHttpResponse.builder()
                .statusCode(response.getCode())
                .headers(headers)
                .body(body)
                .build();
    }

    /**
     * The body as a stream whose {@link InputStream#close()} never drains what is left: read to its end, the
     * connection has already gone back to the pool; closed before, the connection is dropped. Apache's own close
     * would read the rest of a stream the caller abandoned, or wait out a timeout again on a stalled one.
     */
    private static InputStream content(HttpEntity entity) throws IOException {
        if (entity == null) {
            return InputStream.nullInputStream();
        }
        InputStream in = entity.getContent();
        in = in instanceof EofSensorInputStream sensor ? new Abortable(sensor) : in;
        return entity.getContentLength() == 0 ? in : decoded(in, entity.getContentEncoding());
    }

    /**
     * The body before the {@code Content-Encoding} a server applied although this client asks for none (some servers
     * and proxies compress whatever they send): gzip and deflate are read; another encoding is an answer it cannot
     * read, which says so rather than failing as malformed JSON.
     */
    private static InputStream decoded(InputStream in, String encoding) throws IOException {
        if (identity(encoding)) {
            return in;
        }
        return switch (encoding.strip().toLowerCase(Locale.ROOT)) {
            case "gzip", "x-gzip" -> new SourceReadToItsEnd(new GZIPInputStream(in), in);
            // zlib-wrapped, as HTTP says, or raw, as some servers send it
            case "deflate" -> new SourceReadToItsEnd(new DeflateInputStream(in), in);
            default -> {
                closeQuietly(in);
                throw new UnreadableEncoding(encoding);
            }
        };
    }

    /**
     * A decoder whose source is read to its end when the decoder has ended: a decoder stops after its trailer, and
     * the connection goes back to the pool only once its body's end has been read (closing before drops it).
     */
    private static final class SourceReadToItsEnd extends FilterInputStream {
        private final InputStream source;

        SourceReadToItsEnd(InputStream decoder, InputStream source) {
            super(decoder);
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b == -1) {
                source.transferTo(OutputStream.nullOutputStream());
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n == -1) {
                source.transferTo(OutputStream.nullOutputStream());
            }
            return n;
        }
    }

    private static boolean identity(String encoding) {
        return encoding == null || encoding.isBlank() || encoding.strip().equalsIgnoreCase("identity");
    }

    /** An answer in a {@code Content-Encoding} this client cannot decode. */
    static final class UnreadableEncoding extends RuntimeException {
        UnreadableEncoding(String encoding) {
            super("it came in Content-Encoding '" + encoding + "', which Ponder did not ask for and cannot decode");
        }
    }

    /**
     * The whole body. With a Content-Length, into an array of that size: {@code readAllBytes()} reads into 16 KiB
     * chunks and copies them, for answers of a few hundred bytes (the largest allocation of a call). A bogus length
     * costs nothing up front: {@code readNBytes} still allocates as the bytes arrive, 16 KiB at a time. A decoded
     * answer's length counts the compressed bytes, so it is read whole.
     */
    private static byte[] readAll(HttpEntity entity) throws IOException {
        try (InputStream in = content(entity)) {
            long length = entity == null ? -1 : entity.getContentLength();
            if (length < 0 || length > Integer.MAX_VALUE || !identity(entity.getContentEncoding())) {
                return in.readAllBytes();
            }
            byte[] body = in.readNBytes((int) length);
            // Reading the end releases the connection to the pool; closing before it would drop the connection.
            if (in.read() != -1) {
                throw new IOException("the answer is longer than its Content-Length " + length);
            }
            return body;
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
     * Sends a request once more, at once, when the server closed the connection without a byte of answer: a
     * kept-alive connection it had closed while idle in the pool (a blocking client only learns of that by using
     * it; the stale check covers connections idle over {@link #CHECK_AFTER_IDLE}). The pool's other idle
     * connections are closed first: a server that dropped one has likely dropped its neighbours (the JDK's
     * {@code HttpServer} keeps 200 idle connections and closes the rest after their answer), and the retry must
     * not meet one of them. Without this, such a server fails calls in bursts after a stall and opens the circuit.
     * Nothing else is retried here: statuses, resets, timeouts and half-read answers go to the guard.
     */
    private record StaleConnectionRetry(PoolingHttpClientConnectionManager pool) implements HttpRequestRetryStrategy {

        @Override
        public boolean retryRequest(
                org.apache.hc.core5.http.HttpRequest request, IOException failure, int execCount, HttpContext context) {
            boolean retry = execCount == 1
                    && failure instanceof NoHttpResponseException
                    && !(request instanceof HttpUriRequestBase cancellable && cancellable.isCancelled());
            if (retry) {
                pool.closeIdle(TimeValue.ZERO_MILLISECONDS);
            }
            return retry;
        }

        @Override
        public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
            return false;
        }

        @Override
        public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
            return TimeValue.ZERO_MILLISECONDS;
        }

        @Override
        public TimeValue getRetryInterval(
                org.apache.hc.core5.http.HttpRequest request, IOException failure, int execCount, HttpContext context) {
            return TimeValue.ZERO_MILLISECONDS;
        }
    }

    /** Closing aborts: see {@link #content}. */
    private static final class Abortable extends FilterInputStream {
        private final EofSensorInputStream sensor;

        Abortable(EofSensorInputStream sensor) {
            super(sensor);
            this.sensor = sensor;
        }

        @Override
        public void close() throws IOException {
            sensor.abort();
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

    /**
     * Passes every event on, with its data in {@link #currentEvent()} while it is handled, and errors unless the
     * call was cancelled; each event's data goes to the call's tap first, and an error the upstream reports in an
     * event is noted on the call.
     */
    private record Tapped(ServerSentEventListener listener, UpstreamCall call) implements ServerSentEventListener {

        @Override
        public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
            tapped(event, () -> listener.onEvent(event, context));
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            tapped(event, () -> listener.onEvent(event));
        }

        private void tapped(ServerSentEvent event, Runnable handle) {
            // OpenAI's adapter skips an error event; LangChain4j then sees the stream end without a finish reason.
            if (UpstreamErrors.isErrorEvent(event.data())) {
                call.errorEvent(event.data());
            }
            call.event(event.data());
            CURRENT_EVENT.set(event.data());
            try {
                handle.run();
            } finally {
                CURRENT_EVENT.remove();
            }
        }

        @Override
        public void onError(Throwable error) {
            // The parser reports the read that cancelling broke off: nobody waits for that one.
            if (!call.cancelled()) {
                listener.onError(error);
            }
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
     * Carries the backend's own timeouts and bulkhead size. LangChain4j's model builders overwrite a client
     * builder's timeouts with their defaults (15 s connect, 60 s read) unless given one {@code timeout} for both;
     * this builder keeps the values it was made with and ignores those calls. It builds one client, however often
     * asked: the models of a backend share its pool of kept-alive connections.
     */
    static final class Builder implements HttpClientBuilder {
        private final Duration connectTimeout;
        private final Duration readTimeout;
        private final int maxConnections;
        private UpstreamHttpClient built;

        /**
         * @param readTimeout the longest silence on an open connection, waiting for headers or for more body, and
         *     the longest a non-streamed call may take in all (a stream's total is the backend's to enforce)
         * @param maxConnections the pool's size: the backend's bulkhead, the calls it lets run at once
         */
        Builder(Duration connectTimeout, Duration readTimeout, int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("a backend needs at least one connection but got " + maxConnections);
            }
            this.connectTimeout = connectTimeout;
            this.readTimeout = readTimeout;
            this.maxConnections = maxConnections;
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
