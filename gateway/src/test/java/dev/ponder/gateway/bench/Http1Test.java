package dev.ponder.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Http1Test {

    @Test
    void aBodyWithContentLengthEndsThereSoTheNextResponseOnTheConnectionCanBeRead() throws IOException {
        Http1 in = reader("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Ponder-Overhead-Ms: 0.25\r\n\r\nhello"
                + "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\nConnection: close\r\n\r\nbusy");

        Http1.Head first = in.readHead("x-ponder-overhead-ms");
        Http1.Collector body = new Http1.Collector(100);
        in.readBody(first, true, body);
        Http1.Head second = in.readHead("x-ponder-overhead-ms");
        Http1.Collector secondBody = new Http1.Collector(100);
        in.readBody(second, true, secondBody);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.contentLength()).isEqualTo(5);
        assertThat(first.close()).isFalse();
        assertThat(first.wanted()).isEqualTo("0.25");
        assertThat(body).hasToString("hello");
        assertThat(second.status()).isEqualTo(503);
        assertThat(second.close()).isTrue();
        assertThat(second.wanted()).isNull();
        assertThat(secondBody).hasToString("busy");
        assertThat(in.readHead(null)).isNull();
    }

    @Test
    void aChunkedBodyIsReassembledAcrossChunksExtensionsAndTrailers() throws IOException {
        Http1 in = new Http1(
                new ByteArrayInputStream(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "6\r\ndata: \r\n" + "C;ext=1\r\n[DONE]\n\nnext\r\n" + "0\r\nX-Trailer: t\r\n\r\n"
                                + "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII)),
                7);

        Http1.Head head = in.readHead(null);
        Http1.Collector body = new Http1.Collector(100);
        in.readBody(head, true, body);

        assertThat(head.chunked()).isTrue();
        assertThat(head.contentLength()).isEqualTo(-1);
        assertThat(body).hasToString("data: [DONE]\n\nnext");
        assertThat(in.readHead(null).status()).isEqualTo(204);
    }

    @Test
    void aResponseWithoutFramingRunsToTheEndOfTheConnection() throws IOException {
        Http1 in = reader("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it");

        Http1.Head head = in.readHead(null);
        Http1.Collector body = new Http1.Collector(100);
        in.readBody(head, true, body);

        assertThat(body).hasToString("all of it");
    }

    @Test
    void aBodyCutShortIsAnError() throws IOException {
        Http1 in = reader("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");

        Http1.Head head = in.readHead(null);

        assertThatThrownBy(() -> in.readBody(head, true, Http1.DISCARD))
                .isInstanceOf(EOFException.class)
                .hasMessageContaining("45 bytes before the end");
    }

    @Test
    void theCollectorKeepsOnlyItsCapacity() {
        Http1.Collector collector = new Http1.Collector(4);
        byte[] bytes = "abcdef".getBytes(StandardCharsets.US_ASCII);

        collector.accept(bytes, 0, 3);
        collector.accept(bytes, 3, 3);

        assertThat(collector).hasToString("abcd");
    }

    @Test
    void theSseScannerTimesTheFirstContentChunkNotTheRoleOnlyOneAndSeesTheEnd() {
        LoadGenerator.SseScanner sse = new LoadGenerator.SseScanner();
        byte[] events = ("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
                        + "data: {\"choices\":[{\"delta\":{\"content\":\"Par")
                .getBytes(StandardCharsets.UTF_8);

        sse.accept(events, 0, events.length);
        assertThat(sse.firstContent).isEqualTo(-1);

        byte[] rest = "is\"}}]}\r\n\r\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        long before = System.nanoTime();
        sse.accept(rest, 0, rest.length);

        assertThat(sse.firstContent).isGreaterThanOrEqualTo(before);
        assertThat(sse.done).isTrue();
    }

    @Test
    void theMockReadsStreamTrueWhateverTheSpacing() {
        assertThat(streamed("{\"model\":\"m\",\"stream\" : true}")).isTrue();
        assertThat(streamed("{\"stream\":true}")).isTrue();
        assertThat(streamed("{\"stream\":false}")).isFalse();
        assertThat(streamed("{\"model\":\"m\"}")).isFalse();
        assertThat(streamed("{\"stream\":")).isFalse();
    }

    private static boolean streamed(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return MockLlmServer.streamed(bytes, bytes.length);
    }

    private static Http1 reader(String text) {
        return new Http1(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)), 16);
    }
}
