package dev.ponder.gateway.security;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A request whose body was already read by the filter, served again to the controller. */
final class CachedBodyRequest extends HttpServletRequestWrapper {

    /** Up to this Content-Length a body is read into an array of its size; {@code readAllBytes} starts at as much. */
    private static final int EXACT_UP_TO = 16 * 1024;

    private final byte[] body;

    private CachedBodyRequest(HttpServletRequest request, byte[] body) {
        super(request);
        this.body = body;
    }

    /**
     * Reads the request's body whole. {@code readAllBytes} starts with a 16 KiB buffer and copies it out, which was
     * the largest allocation of a typical request; a small body with a Content-Length is read into an array of its
     * size instead. (Larger ones are not: the header alone must not make Ponder allocate ahead of the bytes.)
     */
    static CachedBodyRequest read(HttpServletRequest request) throws IOException {
        long length = request.getContentLengthLong();
        ServletInputStream in = request.getInputStream();
        if (length < 0 || length > EXACT_UP_TO) {
            return new CachedBodyRequest(request, in.readAllBytes());
        }
        byte[] body = new byte[(int) length];
        int read = in.readNBytes(body, 0, body.length);
        return new CachedBodyRequest(request, read == body.length ? body : Arrays.copyOf(body, read));
    }

    byte[] body() {
        return body;
    }

    @Override
    public ServletInputStream getInputStream() {
        ByteArrayInputStream in = new ByteArrayInputStream(body);
        return new ServletInputStream() {
            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, len);
            }

            @Override
            public byte[] readAllBytes() {
                // a copy of the rest, sized exactly (InputStream's own starts with a 16 KiB buffer)
                return in.readAllBytes();
            }

            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException("the body is already in memory");
            }
        };
    }

    @Override
    public BufferedReader getReader() {
        return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public int getContentLength() {
        return body.length;
    }

    @Override
    public long getContentLengthLong() {
        return body.length;
    }
}
