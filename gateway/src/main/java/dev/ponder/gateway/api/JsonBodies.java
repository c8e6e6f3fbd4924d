package dev.ponder.gateway.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import tools.jackson.databind.ObjectWriter;

/**
 * Request and response bodies of the hot endpoints as bytes, without Spring MVC's message converters: on every
 * request those negotiated the content type, resolved generic types and wrapped the streams, and wrote the answer
 * chunked (a second write for the closing chunk). An answer is serialized whole, then written with its length.
 */
final class JsonBodies {

    private JsonBodies() {}

    /** The request's body; {@link ErrorResponses} answers 413 when it runs past the size limit. */
    static byte[] read(HttpServletRequest request) throws IOException {
        return request.getInputStream().readAllBytes();
    }

    static void write(HttpServletResponse response, ObjectWriter writer, Object body) throws IOException {
        byte[] bytes = writer.writeValueAsBytes(body);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
