package dev.ponder.gateway.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The few parts of HTTP/1.1 the load generator and the mock server need, read from a blocking stream through a buffer
 * of their own: a message head (start line and the headers that frame the body), and a body framed by Content-Length,
 * by chunks, or by the end of the connection. Header values other than the framing ones and one asked-for header are
 * skipped unparsed, so that a response costs a few comparisons per header.
 */
final class Http1 {

    /** The most a head may take, so that a broken peer cannot make the harness buffer without end. */
    private static final int MAX_LINE = 8192;

    private final InputStream in;
    private final byte[] buffer;
    private int position;
    private int limit;
    private final byte[] line = new byte[MAX_LINE];

    Http1(InputStream in, int bufferSize) {
        this.in = in;
        this.buffer = new byte[bufferSize];
    }

    /**
     * A message head: its start line ({@code HTTP/1.1 200 OK} or {@code POST /path HTTP/1.1}), how its body is framed
     * ({@code contentLength} is -1 when absent), whether the peer closes the connection after it, and the value of
     * the header the reader asked for (null if absent).
     */
    record Head(String startLine, long contentLength, boolean chunked, boolean close, String wanted) {

        /** The status code of a response's start line. */
        int status() throws IOException {
            if (startLine.length() < 12 || !startLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + startLine);
            }
            try {
                return Integer.parseInt(startLine, 9, 12, 10);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP/1.x status line: " + startLine, e);
            }
        }
    }

    /** Where the bytes of a body go, in the slices they arrive in. */
    interface Sink {
        void accept(byte[] bytes, int offset, int length);
    }

    /** Keeps the first {@code capacity} bytes of a body and drops the rest. */
    static final class Collector implements Sink {
        private byte[] bytes = new byte[64];
        private int length;
        private final int capacity;

        Collector(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public void accept(byte[] src, int offset, int count) {
            int kept = Math.min(count, capacity - length);
            if (kept <= 0) {
                return;
            }
            if (length + kept > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(capacity, Math.max(length + kept, bytes.length * 2)));
            }
            System.arraycopy(src, offset, bytes, length, kept);
            length += kept;
        }

        byte[] bytes() {
            return bytes;
        }

        int length() {
            return length;
        }

        @Override
        public String toString() {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
    }

    /** A sink for bodies nobody reads. */
    static final Sink DISCARD = (bytes, offset, length) -> {};

    /**
     * Reads a head; {@code null} if the stream ended before its first byte (the peer closed an idle connection).
     *
     * @param wantedHeader a header name in lower case whose value to keep, or null
     */
    Head readHead(String wantedHeader) throws IOException {
        if (!fill()) {
            return null;
        }
        String startLine = readLine();
        long contentLength = -1;
        boolean chunked = false;
        boolean close = startLine.startsWith("HTTP/1.0");
        String wanted = null;
        int length;
        while ((length = readLineBytes()) > 0) {
            int colon = indexOf(line, length, (byte) ':');
            if (colon < 0) {
                continue;
            }
            if (is(line, colon, "content-length")) {
                contentLength = Long.parseLong(value(length, colon));
            } else if (is(line, colon, "transfer-encoding")) {
                chunked = value(length, colon).toLowerCase().endsWith("chunked");
            } else if (is(line, colon, "connection")) {
                String v = value(length, colon).toLowerCase();
                close = v.contains("close") || (close && !v.contains("keep-alive"));
            } else if (wantedHeader != null && is(line, colon, wantedHeader)) {
                wanted = value(length, colon);
            }
        }
        return new Head(startLine, contentLength, chunked, close, wanted);
    }

    /**
     * Passes the body that follows {@code head} to {@code sink}. A body with neither Content-Length nor chunks runs
     * to the end of the connection when {@code response} (then the caller must not reuse it); a request without
     * them has none.
     */
    void readBody(Head head, boolean response, Sink sink) throws IOException {
        if (head.chunked()) {
            long size;
            while ((size = chunkSize()) > 0) {
                copy(size, sink);
                expectLineEnd();
            }
            while (readLineBytes() > 0) {
                // trailer fields: none of interest
            }
        } else if (head.contentLength() >= 0) {
            copy(head.contentLength(), sink);
        } else if (response) {
            while (fill()) {
                sink.accept(buffer, position, limit - position);
                position = limit;
            }
        }
    }

    private long chunkSize() throws IOException {
        String sizeLine = readLine();
        int end = sizeLine.indexOf(';');
        try {
            return Long.parseLong((end < 0 ? sizeLine : sizeLine.substring(0, end)).strip(), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size line: " + sizeLine, e);
        }
    }

    private void expectLineEnd() throws IOException {
        if (readLineBytes() != 0) {
            throw new IOException("a chunk is longer than its size line says");
        }
    }

    private void copy(long count, Sink sink) throws IOException {
        long left = count;
        while (left > 0) {
            if (!fill()) {
                throw new EOFException("the connection closed " + left + " bytes before the end of the body");
            }
            int n = (int) Math.min(left, limit - position);
            sink.accept(buffer, position, n);
            position += n;
            left -= n;
        }
    }

    private String readLine() throws IOException {
        int length = readLineBytes();
        return new String(line, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** Reads a line into {@link #line} without its CRLF (or bare LF); returns its length. */
    private int readLineBytes() throws IOException {
        int length = 0;
        while (true) {
            if (!fill()) {
                throw new EOFException("the connection closed in the middle of a head");
            }
            byte b = buffer[position++];
            if (b == '\n') {
                return length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            }
            if (length == MAX_LINE) {
                throw new IOException("a header line is longer than " + MAX_LINE + " bytes");
            }
            line[length++] = b;
        }
    }

    /** Makes at least one byte available; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (position < limit) {
            return true;
        }
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    private String value(int length, int colon) {
        return new String(line, colon + 1, length - colon - 1, StandardCharsets.ISO_8859_1).strip();
    }

    /** Whether the header name in {@code bytes[0, length)} is {@code name} (given in lower case), ignoring case. */
    private static boolean is(byte[] bytes, int length, String name) {
        if (length != name.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int b = bytes[i];
            if ((b >= 'A' && b <= 'Z' ? b + 32 : b) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, int length, byte b) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Where {@code needle} first occurs in {@code bytes[from, length)}, or -1. */
    static int indexOf(byte[] bytes, int from, int length, byte[] needle) {
        outer:
        for (int i = from; i <= length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
