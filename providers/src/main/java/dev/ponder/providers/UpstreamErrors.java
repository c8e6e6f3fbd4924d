package dev.ponder.providers;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.BackendException.Action;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place where a failed upstream call becomes a {@link BackendException}, grouped by what the caller should
 * do: a caller's 4xx is {@code GIVE_UP} and keeps the upstream status, type and message; 401, 403 and 404 refuse
 * this backend's configuration, not the caller's request, and are {@code ESCALATE}; 408, 429, 5xx, reset
 * connections and truncated streams are {@code RETRY} (the guard retries them, then escalates); timeouts,
 * refused or unresolvable servers, answers that cannot be read and anything unknown are {@code ESCALATE}. Neither messages nor the
 * exceptions kept as causes carry the API key.
 */
public final class UpstreamErrors {

    private static final Set<Integer> RETRIABLE_STATUSES = Set.of(408, 409, 425, 429);
    /** Refusals of Ponder's own credentials, model name or URL, which the client cannot change. */
    private static final Set<Integer> OPERATOR_STATUSES = Set.of(401, 403, 404);

    private static final Pattern KEY_LIKE =
            Pattern.compile("(sk-[A-Za-z0-9_\\-*.]{6,}|AIza[0-9A-Za-z_\\-]{10,}|([?&]key=)[^&\\s\"]+)");
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Pattern HTML_TITLE = Pattern.compile("<title[^>]*>([^<]*)</title>", Pattern.CASE_INSENSITIVE);

    private final String backend;
    private final String apiKey;
    private final Clock clock;

    /** For the backend of that name, whose API key (may be null) never appears in a message. */
    public UpstreamErrors(String backend, String apiKey, Clock clock) {
        this.backend = backend;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        this.clock = clock;
    }

    public BackendException map(Throwable failure) {
        if (failure instanceof BackendException known) {
            return known;
        }
        // The exception kept as the cause is a redacted copy: the upstream's own keeps the body it answered, which
        // may echo the key, and whatever prints the cause chain (Resilience4j's DEBUG lines, a WARN) would show it.
        Throwable cause = redactedCopy(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnsupportedFeatureException unsupported) {
                // LangChain4j refused to translate the request for this protocol, before any call.
                return unsupported(null, describe(unsupported));
            }
            if (t instanceof HttpException http) {
                return fromStatus(http, cause);
            }
            BackendException unreadable = unreadableAnswer(t, cause);
            if (unreadable != null) {
                return unreadable;
            }
            BackendException byCause = fromTransport(t, cause);
            if (byCause != null) {
                return byCause;
            }
        }
        // Only when nothing more specific is in the chain: an IOException often wraps the timeout that caused it.
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException) {
                // Reset or half-read connections, a kept-alive connection the server closed as it was reused ("The
                // target server failed to respond"), a stream cut mid-way: transient, worth another try.
                return new BackendException(
                        Action.RETRY,
                        prefixed("connection failed: " + describe(t)),
                        0,
                        "connection_error",
                        null,
                        cause);
            }
        }
        return new BackendException(Action.ESCALATE, prefixed("failed: " + describe(failure)), 0, null, null, cause);
    }

    /**
     * The failure as logs may print it: each exception of its chain (and those it suppressed) becomes a
     * {@link RedactedFailure} naming the original class, with the redacted message and the original stack.
     */
    private Throwable redactedCopy(Throwable failure, Set<Throwable> seen) {
        if (failure == null || !seen.add(failure)) {
            return null;
        }
        RedactedFailure copy = new RedactedFailure(
                redact(failure.getClass().getName()
                        + (failure.getMessage() == null ? "" : ": " + failure.getMessage())),
                redactedCopy(failure.getCause(), seen));
        copy.setStackTrace(failure.getStackTrace());
        for (Throwable suppressed : failure.getSuppressed()) {
            Throwable redacted = redactedCopy(suppressed, seen);
            if (redacted != null) {
                copy.addSuppressed(redacted);
            }
        }
        return copy;
    }

    /** An upstream exception's redacted copy: its message starts with the original exception's class name. */
    static final class RedactedFailure extends RuntimeException {
        RedactedFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * This backend's protocol has no place for what the request asks ({@code param}, when known): another tier may
     * take it, and the client gets a 400 if none does.
     */
    BackendException unsupported(String param, String what) {
        return BackendException.unsupported(prefixed("cannot take this request: " + what), param, null);
    }

    /** A failure of this backend that no upstream answer explains (timeouts, an open circuit, a full bulkhead). */
    BackendException escalate(String what) {
        return new BackendException(Action.ESCALATE, prefixed(what), 0, null, null, null);
    }

    /**
     * A stream's first token or its end that did not come in time: a timeout (504 when no tier answers), as the same
     * silence is when a non-streamed call's socket times out.
     */
    BackendException timeout(String what) {
        return BackendException.timeout(prefixed(what), null);
    }

    /**
     * An answer that reads, but is not whole (a stream that stopped before saying why it ended), with what the
     * upstream said in an error event of that stream ({@code errorEvent}, may be null).
     */
    BackendException incomplete(String what, String errorEvent) {
        String reported = errorEvent == null
                ? ""
                : "; the upstream reported: "
                        + redact(ErrorBody.parse(errorEvent, 500).message());
        return BackendException.unreadable(prefixed(what + reported), null);
    }

    /**
     * Whether a stream event's data is an error report in OpenAI's shape ({@code {"error": ...}}, as OpenAI, vLLM
     * and llama.cpp send one mid-stream) or older vLLM's ({@code {"object": "error", ...}}).
     */
    static boolean isErrorEvent(String data) {
        if (data == null || !data.startsWith("{") || !data.contains("\"error\"")) {
            return false;
        }
        try {
            JsonNode root = JSON.readTree(data);
            return root.has("error") || "error".equals(root.path("object").asString(""));
        } catch (JacksonException notJson) {
            return false;
        }
    }

    String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = apiKey == null ? text : text.replace(apiKey, "[redacted]");
        return KEY_LIKE.matcher(out).replaceAll(m -> m.group(2) != null ? m.group(2) + "[redacted]" : "[redacted]");
    }

    private BackendException fromStatus(HttpException http, Throwable failure) {
        int status = http.statusCode();
        String body =
                http instanceof UpstreamHttpClient.UpstreamHttpException upstream ? upstream.body() : http.getMessage();
        Duration retryAfter = http instanceof UpstreamHttpClient.UpstreamHttpException upstream
                ? retryAfter(upstream.retryAfter())
                : null;
        ErrorBody parsed = ErrorBody.parse(body, status);
        String message = redact(parsed.message());
        boolean retriable = status / 100 == 5 || RETRIABLE_STATUSES.contains(status);
        // Ponder's key, model or URL for this backend is wrong: the operator's to fix, not the caller's (an SDK would
        // take a 401 for its own key), and another tier may answer.
        boolean misconfigured = OPERATOR_STATUSES.contains(status) || parsed.refusesApiKey();
        if (retriable || misconfigured) {
            return new BackendException(
                    retriable ? Action.RETRY : Action.ESCALATE,
                    prefixed("HTTP " + status + " " + parsed.type()
                            + (misconfigured ? " (this backend's configuration)" : "") + ": " + message),
                    status,
                    parsed.type(),
                    retriable ? retryAfter : null,
                    failure);
        }
        if (status / 100 == 4) {
            // The caller's request is wrong: no tier will do better, and the client should see what the upstream said.
            return BackendException.rejected(
                    message,
                    status,
                    parsed.type(),
                    parsed.param() == null ? null : redact(parsed.param()),
                    parsed.code() == null ? null : redact(parsed.code()),
                    failure);
        }
        return new BackendException(
                Action.ESCALATE, prefixed("unexpected HTTP " + status + ": " + message), status, null, null, failure);
    }

    /**
     * A 200 whose body cannot be read as an answer (malformed or empty JSON, no choices, an encoding Ponder cannot
     * decode): the upstream answered wrongly, so it is a bad upstream answer, not an unavailable one, and the same
     * request would get the same. The adapters parse with Jackson 2, whose parse errors are IOExceptions: they must
     * not pass for a broken connection.
     */
    private BackendException unreadableAnswer(Throwable t, Throwable failure) {
        String what;
        if (t instanceof com.fasterxml.jackson.core.JsonProcessingException json) {
            what = t.getClass().getSimpleName() + ": " + json.getOriginalMessage();
        } else if (t instanceof JacksonException json) {
            what = t.getClass().getSimpleName() + ": " + json.getOriginalMessage();
        } else if (t instanceof UpstreamHttpClient.UnreadableEncoding) {
            what = t.getMessage();
        } else if (t instanceof dev.langchain4j.exception.InternalServerException && !hasHttpCause(t)) {
            // LangChain4j's own complaint about a 200 (its 5xx carry the HttpException as their cause)
            what = describe(t);
        } else {
            return null;
        }
        return BackendException.unreadable(prefixed("unreadable answer: " + redact(what)), failure);
    }

    private static boolean hasHttpCause(Throwable t) {
        for (Throwable c = t.getCause(); c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof HttpException) {
                return true;
            }
        }
        return false;
    }

    private BackendException fromTransport(Throwable t, Throwable failure) {
        // Apache's ConnectTimeoutException is a SocketTimeoutException: test it first. The JDK client's kinds
        // come from the health probe.
        if (t instanceof ConnectTimeoutException || t instanceof HttpConnectTimeoutException) {
            return new BackendException(Action.ESCALATE, prefixed("connect timeout"), 0, "timeout", null, failure);
        }
        if (t instanceof SocketTimeoutException
                || t instanceof ConnectionRequestTimeoutException
                || t instanceof HttpTimeoutException
                || t instanceof java.util.concurrent.TimeoutException
                || t instanceof dev.langchain4j.exception.TimeoutException) {
            return new BackendException(Action.ESCALATE, prefixed("timed out"), 0, "timeout", null, failure);
        }
        if (t instanceof ConnectException
                || t instanceof UnknownHostException
                || t instanceof UnresolvedAddressException) {
            return new BackendException(
                    Action.ESCALATE, prefixed("unreachable: " + describe(t)), 0, "unreachable", null, failure);
        }
        if (t instanceof UpstreamCall.Interrupted || t instanceof InterruptedException) {
            return new BackendException(Action.ESCALATE, prefixed("interrupted"), 0, "cancelled", null, failure);
        }
        return null;
    }

    /** Seconds or an HTTP date, as RFC 9110 allows; null when absent or unreadable. */
    Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            double seconds = Double.parseDouble(header.strip());
            return seconds >= 0 ? Duration.ofMillis((long) (seconds * 1000)) : null;
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), at.toInstant());
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    private String prefixed(String what) {
        return "backend '" + backend + "': " + what;
    }

    private String describe(Throwable t) {
        String message = t.getMessage();
        return redact(t.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    /**
     * The message and type of an error body in OpenAI's, Anthropic's, Gemini's, Ollama's or older vLLM's shape, and
     * OpenAI's {@code param} and {@code code} when they are strings (OpenAI's clients act on codes such as
     * {@code context_length_exceeded}).
     */
    private record ErrorBody(String message, String type, String param, String code, boolean refusesApiKey) {
        static ErrorBody parse(String body, int status) {
            String fallbackType = typeFor(status);
            if (body == null || body.isBlank()) {
                return new ErrorBody("HTTP " + status, fallbackType, null, null, false);
            }
            try {
                JsonNode root = JSON.readTree(body);
                // vLLM before 0.9 (and API gateways) put the message and type at the top level.
                JsonNode error = root.has("error") ? root.path("error") : root;
                if (error.isString()) {
                    return new ErrorBody(error.asString(), fallbackType, null, null, false);
                }
                String message = error.path("message").asString(null);
                if (message != null) {
                    String type = error.path("type").asString(null);
                    if (type == null) {
                        type = error.path("status").asString(fallbackType).toLowerCase(Locale.ROOT);
                    }
                    return new ErrorBody(
                            message,
                            type,
                            text(error.path("param")),
                            text(error.path("code")),
                            refusesApiKey(error.path("details")));
                }
            } catch (JacksonException notJson) {
                // Plain text or an HTML page from a proxy or load balancer.
            }
            return new ErrorBody(plain(body.strip()), fallbackType, null, null, false);
        }

        /**
         * A proxy's HTML error page (nginx's, a CDN's: kilobytes of markup, styles and scripts) by its title; other
         * text as it is.
         */
        private static String plain(String body) {
            if (!body.regionMatches(true, 0, "<!doctype html", 0, 14) && !body.regionMatches(true, 0, "<html", 0, 5)) {
                return body;
            }
            Matcher title = HTML_TITLE.matcher(body);
            String name = title.find() ? title.group(1).strip().replaceAll("\\s+", " ") : "";
            String page = "an HTML page of " + body.length() + " characters";
            return name.isEmpty() ? page : name + " (" + page + ")";
        }

        private static String text(JsonNode node) {
            return node.isString() ? node.asString() : null;
        }

        /**
         * Google refuses a bad, expired or blocked API key with a 400 {@code INVALID_ARGUMENT} whose
         * {@code google.rpc.ErrorInfo} detail gives the reason ({@code API_KEY_INVALID}, ...): Ponder's key, not the
         * caller's request.
         */
        private static boolean refusesApiKey(JsonNode details) {
            for (JsonNode detail : details) {
                if (detail.path("reason").asString("").startsWith("API_KEY_")) {
                    return true;
                }
            }
            return false;
        }

        private static String typeFor(int status) {
            return switch (status) {
                case 401 -> "authentication_error";
                case 403 -> "permission_error";
                case 404 -> "not_found_error";
                case 429 -> "rate_limit_error";
                default -> status >= 500 ? "server_error" : "invalid_request_error";
            };
        }
    }
}
