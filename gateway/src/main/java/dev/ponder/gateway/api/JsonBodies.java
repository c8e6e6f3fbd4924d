package dev.ponder.gateway.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.node.ObjectNode;

/**
 * Request and response bodies of the hot endpoints as bytes, without Spring MVC's message converters: on every
 * request those negotiated the content type, resolved generic types and wrapped the streams, and wrote the answer
 * chunked (a second write for the closing chunk). An answer is serialized whole, then written with its length.
 */
public final class JsonBodies {

    /**
     * The request attribute holding the body as a parsed JSON object, when the filters before the controller parsed
     * it already (the virtual-key filter peeks at the model and token limits of every {@code /v1} POST).
     */
    public static final String PARSED = "ponder.parsedBody";

    private JsonBodies() {}

    /** The request's JSON object, parsed once; a body that is not one is refused as the parser refuses it. */
    static JsonNode object(HttpServletRequest request, ChatRequestParser parser) throws IOException {
        if (request.getAttribute(PARSED) instanceof ObjectNode parsed) {
            return parsed;
        }
        return parser.readObject(read(request));
    }

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
