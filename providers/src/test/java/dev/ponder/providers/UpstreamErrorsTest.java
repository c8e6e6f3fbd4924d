package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.BackendException.Action;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;

class UpstreamErrorsTest {

    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    private final UpstreamErrors errors =
            new UpstreamErrors("b", "sk-configured-key-123456", Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void retriesTheJdkClientsStaleKeepAliveFailure() {
        BackendException e = errors.map(new RuntimeException(
                new UncheckedIOException(new IOException("HTTP/1.1 header parser received no bytes"))));

        assertThat(e.action()).isEqualTo(Action.RETRY);
        assertThat(e.getMessage()).contains("header parser received no bytes");
    }

    @Test
    void retriesAConnectionDroppedWithoutAnAnswer() {
        BackendException e =
                errors.map(new UncheckedIOException(new NoHttpResponseException("127.0.0.1:8080 failed to respond")));

        assertThat(e.action()).isEqualTo(Action.RETRY);
        assertThat(e.errorType()).isEqualTo("connection_error");
    }

    @Test
    void escalatesTheUpstreamClientsTimeoutsAndUnknownHosts() {
        assertThat(errors.map(new UncheckedIOException(new ConnectTimeoutException("Connect to 10.0.0.1 timed out"))))
                .satisfies(e -> assertThat(e.action()).isEqualTo(Action.ESCALATE))
                .satisfies(e -> assertThat(e.getMessage()).endsWith("connect timeout"));
        assertThat(errors.map(new UncheckedIOException(new SocketTimeoutException("Read timed out"))))
                .satisfies(e -> assertThat(e.action()).isEqualTo(Action.ESCALATE))
                .satisfies(e -> assertThat(e.getMessage()).endsWith("timed out"))
                .satisfies(e -> assertThat(e.errorType()).isEqualTo("timeout"));
        assertThat(errors.map(new UncheckedIOException(new UnknownHostException("api.example.invalid"))))
                .satisfies(e -> assertThat(e.action()).isEqualTo(Action.ESCALATE))
                .satisfies(e -> assertThat(e.errorType()).isEqualTo("unreachable"));
    }

    @Test
    void aTimeoutWrappedInAPlainIOExceptionIsStillATimeout() {
        // HTTP clients wrap the socket's timeout in an IOException of their own ("Read failed: ...").
        BackendException e = errors.map(
                new UncheckedIOException(new IOException("Read failed", new SocketTimeoutException("Read timed out"))));

        assertThat(e.action()).isEqualTo(Action.ESCALATE);
        assertThat(e.errorType()).isEqualTo("timeout");
    }

    @Test
    void escalatesWhenTheServerCannotBeReached() {
        assertThat(errors.map(new ConnectException("Connection refused")).action())
                .isEqualTo(Action.ESCALATE);
        assertThat(errors.map(new HttpConnectTimeoutException("connect timed out"))
                        .errorType())
                .isEqualTo("timeout");
    }

    @Test
    void anOpenAiAnswerWithoutChoicesIsABadUpstreamAnswerButAServerErrorStaysRetried() {
        BackendException noChoices = errors.map(new dev.langchain4j.exception.InternalServerException(
                "Chat completion failed: no choices returned in response"));
        BackendException serverError = errors.map(new dev.langchain4j.exception.InternalServerException(
                new UpstreamHttpClient.UpstreamHttpException(500, "{\"error\":{\"message\":\"boom\"}}", null)));

        assertThat(noChoices.failure()).isEqualTo(BackendException.Failure.BAD_UPSTREAM);
        assertThat(noChoices.action()).isEqualTo(Action.ESCALATE);
        assertThat(serverError.action()).isEqualTo(Action.RETRY);
        assertThat(serverError.httpStatus()).isEqualTo(500);
    }

    @Test
    void aRequestLangChainCannotTranslateForThisProtocolIsNotTheServersFault() {
        BackendException e = errors.map(new dev.langchain4j.exception.UnsupportedFeatureException(
                "'frequencyPenalty' parameter is not supported by Ollama"));

        assertThat(e.action()).isEqualTo(Action.ESCALATE);
        assertThat(e.failure()).isEqualTo(BackendException.Failure.REJECTED);
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.getMessage()).contains("backend 'b'", "frequencyPenalty");
    }

    @Test
    void readsRetryAfterAsSecondsOrAnHttpDate() {
        assertThat(errors.retryAfter("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(errors.retryAfter("Sun, 22 Nov 2026 12:00:30 GMT")).isEqualTo(Duration.ofSeconds(30));
        assertThat(errors.retryAfter("soon")).isNull();
    }

    @Test
    void keepsTheStatusTypeAndRetryAfterOfARateLimit() {
        BackendException e = errors.map(new UpstreamHttpClient.UpstreamHttpException(
                429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\"}}", "7"));

        assertThat(e.action()).isEqualTo(Action.RETRY);
        assertThat(e.httpStatus()).isEqualTo(429);
        assertThat(e.errorType()).isEqualTo("rate_limit_error");
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aRefusalKeepsTheUpstreamsParamAndCode() {
        BackendException e = errors.map(new UpstreamHttpClient.UpstreamHttpException(
                400,
                "{\"error\":{\"message\":\"too long\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
                        + "\"code\":\"context_length_exceeded\"}}",
                null));

        assertThat(e.failure()).isEqualTo(BackendException.Failure.REJECTED);
        assertThat(e.errorParam()).isEqualTo("messages");
        assertThat(e.errorCode()).isEqualTo("context_length_exceeded");
    }

    @Test
    void readsTheMessageOfAnErrorBodyWithoutAnErrorObjectAsOlderVllmSendsIt() {
        BackendException e = errors.map(new UpstreamHttpClient.UpstreamHttpException(
                400,
                "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\","
                        + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
                null));

        assertThat(e.action()).isEqualTo(Action.GIVE_UP);
        assertThat(e.getMessage()).isEqualTo("This model's maximum context length is 4096 tokens.");
        assertThat(e.errorType()).isEqualTo("BadRequestError");
    }

    @Test
    void aProxysHtmlErrorPageIsToldByItsTitleNotPassedOnWhole() {
        String page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
                + "</h1></center>\r\n<hr><center>nginx</center>\r\n" + "<style>.x{}</style>".repeat(200)
                + "</body>\r\n</html>\r\n";

        BackendException e = errors.map(new UpstreamHttpClient.UpstreamHttpException(502, page, null));

        assertThat(e.action()).isEqualTo(Action.RETRY);
        assertThat(e.getMessage())
                .isEqualTo("backend 'b': HTTP 502 server_error: 502 Bad Gateway (an HTML page of "
                        + page.strip().length() + " characters)");
    }

    @Test
    void redactsTheConfiguredKeyAndAnythingThatLooksLikeOne() {
        assertThat(errors.redact("bad key sk-configured-key-123456 and sk-other-abcdefgh at /m?key=AIzaSyX&alt=sse"))
                .isEqualTo("bad key [redacted] and [redacted] at /m?key=[redacted]&alt=sse");
    }
}
