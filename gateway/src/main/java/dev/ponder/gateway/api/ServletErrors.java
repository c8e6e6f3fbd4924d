package dev.ponder.gateway.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * Errors raised before any controller, in OpenAI's format like every other error instead of Spring Boot's own body:
 * a URL the servlet firewall refuses (a client whose base URL ends in a slash sends {@code /v1//chat/completions}),
 * and whatever the container sends to {@code /error}.
 */
@RestController
class ServletErrors implements ErrorController, RequestRejectedHandler {

    private final ErrorResponses errors;
    private final JsonMapper json;

    ServletErrors(ErrorResponses errors, JsonMapper json) {
        this.errors = errors;
        this.json = json;
    }

    /** The firewall's reason names what is wrong with the URL, e.g. the {@code "//"} it found. */
    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException e)
            throws IOException {
        String reason = e.getMessage();
        ErrorResponses.write(response, ApiException.invalid(null, reason.endsWith(".") ? reason : reason + "."), json);
    }

    @RequestMapping("/error")
    ResponseEntity<Map<String, Object>> error(HttpServletRequest request) {
        if (!(request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer status)) {
            // asked for by its name, not forwarded to by the container
            return errors.api(
                    new ApiException(404, "invalid_request_error", null, "not_found", "Unknown path /error.", null));
        }
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        return errors.api(ErrorResponses.containerError(status, message instanceof String text ? text : null));
    }
}
