package dev.ponder.providers.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A scriptable model server on 127.0.0.1 (a random port) that speaks one provider's real wire protocol; the
 * subclasses are the protocols. By default it answers {@code "echo: <last user message>"}. Script it with
 * {@link #reply}, {@link #replyWith} (tool calls), {@link #failNext}, {@link #delayFirstByte}, {@link #holdAnswers}
 * and {@link #cutNextStreamAfter}; inspect what it received with {@link #requestBodies()}. Usage is counted as one
 * token per 4 characters. A GET under the same prefix (a health probe, e.g. {@code /v1/models}) answers 200
 * {@code {}} and is not recorded. Thread-safe; close it to stop it (a closed server refuses connections).
 */
public abstract class FakeLlmServer implements AutoCloseable {

    static {
        // Without it the JDK server delays every small response ~40 ms (Nagle + delayed ACK).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    protected static final JsonMapper JSON = JsonMapper.shared();

    /**
     * What the server answers: text, or tool calls (then the text is usually empty), or the model's refusal in place
     * of content (OpenAI's protocol has a place for it; the others answer an empty text).
     */
    public record Reply(String text, List<ToolCallReply> toolCalls, String refusal) {
        public Reply {
            text = text == null ? "" : text;
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public static Reply text(String text) {
            return new Reply(text, List.of(), null);
        }

        public static Reply toolCall(String id, String name, String argumentsJson) {
            return new Reply("", List.of(new ToolCallReply(id, name, argumentsJson)), null);
        }

        public static Reply refusal(String refusal) {
            return new Reply("", List.of(), refusal);
        }
    }

    /** One tool call in a reply; {@code argumentsJson} is a JSON object. */
    public record ToolCallReply(String id, String name, String argumentsJson) {}

    private record Failure(int status, String body, Map<String, String> headers) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final Set<InetSocketAddress> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger cutAfterChunks = new AtomicInteger(-1);
    private final AtomicInteger endAfterChunks = new AtomicInteger(-1);
    private final AtomicReference<String> endingEvent = new AtomicReference<>();
    private final AtomicInteger abandoned = new AtomicInteger();
    private volatile Function<String, Reply> replies = prompt -> Reply.text("echo: " + prompt);
    private volatile Duration firstByteDelay = Duration.ZERO;
    private volatile CountDownLatch answersHeld = new CountDownLatch(0);
    private volatile Duration chunkPace = Duration.ZERO;
    private volatile String reportedModel;

    private final String basePath;
    private final String messagesField;
    private final String contentField;
    private final String streamContentType;

    /**
     * @param pathPrefix the requests this server takes ({@code /v1/}: chat and the health probe's model list)
     * @param basePath what {@link #baseUrl()} adds to the origin
     * @param messagesField the request's list of messages; each has a {@code role}
     * @param contentField a message's content: a string, or parts with {@code text}
     * @param streamContentType the Content-Type of a streamed answer
     */
    protected FakeLlmServer(
            String pathPrefix, String basePath, String messagesField, String contentField, String streamContentType) {
        this.basePath = basePath;
        this.messagesField = messagesField;
        this.contentField = contentField;
        this.streamContentType = streamContentType;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(pathPrefix, this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** The base URL a client of this protocol is configured with. */
    public String baseUrl() {
        return origin() + basePath;
    }

    /** {@code http://127.0.0.1:<port>}, without a path. */
    public String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers every later request with text computed from its last user message. */
    public void reply(Function<String, String> lastUserMessageToAnswer) {
        Objects.requireNonNull(lastUserMessageToAnswer, "lastUserMessageToAnswer");
        replyWith(prompt -> Reply.text(lastUserMessageToAnswer.apply(prompt)));
    }

    /** Answers every later request with a full {@link Reply} (e.g. tool calls). */
    public void replyWith(Function<String, Reply> lastUserMessageToReply) {
        this.replies = Objects.requireNonNull(lastUserMessageToReply, "lastUserMessageToReply");
    }

    /** The next request gets this HTTP status and JSON body instead of an answer; calls queue up. */
    public void failNext(int status, String jsonBody) {
        failNext(status, jsonBody, Map.of());
    }

    /** As {@link #failNext(int, String)}, with response headers (e.g. {@code Retry-After}). */
    public void failNext(int status, String jsonBody, Map<String, String> headers) {
        failures.add(new Failure(status, jsonBody, Map.copyOf(headers)));
    }

    /** Answers name this model (as a provider names a dated snapshot) instead of echoing the requested one. */
    public void reportModel(String model) {
        this.reportedModel = model;
    }

    /** Every later request waits this long before the response starts. */
    public void delayFirstByte(Duration delay) {
        this.firstByteDelay = Objects.requireNonNull(delay, "delay");
    }

    /**
     * Every later request waits before its response starts until {@link #releaseAnswers}: a request kept in progress
     * for exactly as long as a test needs, where a fixed delay could end before a loaded machine got there. At most a
     * minute, so that a test that fails before releasing them does not hang.
     */
    public void holdAnswers() {
        answersHeld = new CountDownLatch(1);
    }

    /** The held requests, and every later one, answer. */
    public void releaseAnswers() {
        answersHeld.countDown();
    }

    /** Every later streamed answer waits this long between chunks. */
    public void paceChunks(Duration pause) {
        this.chunkPace = Objects.requireNonNull(pause, "pause");
    }

    /** The next streamed answer breaks its connection after this many chunks (no end-of-stream marker). */
    public void cutNextStreamAfter(int chunks) {
        cutAfterChunks.set(chunks);
    }

    /**
     * The next streamed answer ends its body properly after this many chunks, yet mid-answer: no finish reason, no
     * end-of-stream marker, as an upstream or proxy that frames the body by closing the connection when it dies.
     */
    public void endNextStreamAfter(int chunks) {
        endAfterChunks.set(chunks);
    }

    /**
     * The next streamed answer sends {@code rawEvent} (framed as the protocol frames its events) after this many
     * chunks, then ends its body: an upstream that reports a failure mid-answer, e.g. OpenAI-compatible servers'
     * {@code data: {"error": ...}}.
     */
    public void failNextStreamAfter(int chunks, String rawEvent) {
        endingEvent.set(Objects.requireNonNull(rawEvent, "rawEvent"));
        endAfterChunks.set(chunks + 1);
    }

    /** Every request body received, in arrival order (failed ones included). */
    public List<String> requestBodies() {
        return List.copyOf(bodies);
    }

    public int requestCount() {
        return bodies.size();
    }

    /** Answers the client stopped reading before the end: the server saw its connection close. */
    public int abandonedAnswers() {
        return abandoned.get();
    }

    /** The connections the chat requests came on (each client port counts once). */
    public int connections() {
        return clients.size();
    }

    /** The most requests this server was handling at the same moment. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** The request as the protocol methods see it; a protocol that names the model in the URL adds it here. */
    protected JsonNode withUrlParameters(HttpExchange exchange, JsonNode body) {
        return body;
    }

    /** Whether this request asks for a streamed answer. */
    protected abstract boolean wantsStream(HttpExchange exchange, JsonNode request);

    /** The 400 body this server refuses a request with, as a server that does not know one of its fields; or null. */
    protected String refusal(JsonNode request) {
        return null;
    }

    /**
     * The text of the last message with role {@code user}: its content is a string, or a list of parts whose
     * {@code text} fields are joined by newlines (images and other parts are skipped).
     */
    private String lastUserMessage(JsonNode request) {
        String last = "";
        for (JsonNode message : request.path(messagesField)) {
            if (!"user".equals(message.path("role").asString(""))) {
                continue;
            }
            JsonNode content = message.path(contentField);
            if (content.isString()) {
                last = content.asString();
                continue;
            }
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (part.path("text").isString()) {
                    text.append(text.isEmpty() ? "" : "\n")
                            .append(part.path("text").asString());
                }
            }
            last = text.toString();
        }
        return last;
    }

    /** Writes the whole answer as one JSON response. */
    protected abstract void answer(HttpExchange exchange, JsonNode request, Reply reply, Usage usage)
            throws IOException;

    /** Streams the answer through {@code stream}. */
    protected abstract void stream(Stream stream, JsonNode request, Reply reply, Usage usage) throws IOException;

    /** The model an answer names: the one set by {@link #reportModel}, else the requested one. */
    protected String modelFor(JsonNode request) {
        String reported = reportedModel;
        return reported != null ? reported : request.path("model").asString("unknown");
    }

    /** Token counts the answer reports (4 characters a token). */
    protected record Usage(int inputTokens, int outputTokens) {}

    /** A streamed response body: each {@link #send} is one flushed chunk; it may be cut on purpose. */
    protected static final class Stream {
        private final OutputStream out;
        private final Duration pace;
        private int remainingBeforeCut;
        private int remainingBeforeEnd;
        private final String endingEvent;
        private boolean started;

        Stream(OutputStream out, int cutAfter, int endAfter, String endingEvent, Duration pace) {
            this.out = out;
            this.endingEvent = endingEvent;
            this.remainingBeforeCut = cutAfter;
            this.remainingBeforeEnd = endAfter;
            this.pace = pace;
        }

        public void send(String chunk) throws IOException {
            if (remainingBeforeEnd == 0) {
                return;
            }
            remainingBeforeEnd--;
            // The last chunk before the end becomes the failure, when one is scripted.
            String text = remainingBeforeEnd == 0 && endingEvent != null ? endingEvent : chunk;
            if (started) {
                pause(pace);
            }
            started = true;
            if (remainingBeforeCut == 0) {
                // Give the client time to read what was sent (a broken connection can overtake buffered data),
                // then drop the connection mid-body: thrown out of the handler, this makes the JDK server do so.
                pause(Duration.ofMillis(200));
                throw new StreamCut();
            }
            remainingBeforeCut--;
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static final class StreamCut extends RuntimeException {
        StreamCut() {
            super("stream cut on purpose", null, false, false);
        }
    }

    /** Splits text into word-sized pieces that join back to it exactly. */
    protected static List<String> pieces(String text) {
        return text.isEmpty() ? List.of() : List.of(text.split("(?= )"));
    }

    protected static int tokens(String text) {
        return Math.max(1, (text.length() + 3) / 4);
    }

    protected static void sendJson(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        if ("GET".equals(exchange.getRequestMethod())) {
            try (exchange) {
                sendJson(exchange, 200, "{}");
            }
            return;
        }
        clients.add(exchange.getRemoteAddress());
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        boolean cut = false;
        try {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            bodies.add(body);
            pause(firstByteDelay);
            awaitRelease(answersHeld);
            Failure failure = failures.poll();
            if (failure != null) {
                failure.headers()
                        .forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
                sendJson(exchange, failure.status(), failure.body());
                return;
            }
            JsonNode request = withUrlParameters(exchange, JSON.readTree(body.isEmpty() ? "{}" : body));
            String refusal = refusal(request);
            if (refusal != null) {
                sendJson(exchange, 400, refusal);
                return;
            }
            Reply reply = replies.apply(lastUserMessage(request));
            String replied = reply.text()
                    + (reply.refusal() == null ? "" : reply.refusal())
                    + reply.toolCalls().stream()
                            .map(ToolCallReply::argumentsJson)
                            .reduce("", String::concat);
            Usage usage = new Usage(tokens(body), tokens(replied));
            if (wantsStream(exchange, request)) {
                exchange.getResponseHeaders().set("Content-Type", streamContentType);
                exchange.sendResponseHeaders(200, 0);
                stream(
                        new Stream(
                                exchange.getResponseBody(),
                                cutAfterChunks.getAndSet(-1),
                                endAfterChunks.getAndSet(-1),
                                endingEvent.getAndSet(null),
                                chunkPace),
                        request,
                        reply,
                        usage);
            } else {
                answer(exchange, request, reply, usage);
            }
        } catch (StreamCut e) {
            cut = true;
            throw e;
        } catch (IOException e) {
            // The client hung up mid-answer (a cancelled or timed-out call).
            abandoned.incrementAndGet();
            throw e;
        } finally {
            inFlight.decrementAndGet();
            if (!cut) {
                // Closing would end the chunked body cleanly; a cut must leave it broken.
                exchange.close();
            }
        }
    }

    private static void awaitRelease(CountDownLatch held) {
        try {
            held.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
