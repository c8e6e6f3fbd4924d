package dev.ponder.gateway.learning;

import dev.ponder.gateway.api.ApiException;
import dev.ponder.gateway.security.SecurityAttributes;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.dao.DataAccessException;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/feedback}: a client says how good an answer was, by request id: {@code score} in [0, 1] or
 * {@code thumbs} "up"/"down", and an optional {@code comment}. The feedback is kept, and becomes a label of the model
 * that answered. With API keys on, only the key that made the request may label it; any other gets the same 404 as
 * for an unknown id, so that request ids of other keys cannot be probed.
 */
@RestController
class FeedbackController {

    static final int MAX_COMMENT = 4000;

    private final JsonMapper json;
    private final JdbcTemplate jdbc;
    private final Labels labels;
    private final Clock clock;

    FeedbackController(JsonMapper json, JdbcTemplate jdbc, Clock clock) {
        this.json = json;
        this.jdbc = jdbc;
        this.labels = new Labels(jdbc);
        this.clock = clock;
    }

    record Feedback(String requestId, double score, String comment) {}

    @PostMapping(path = "/v1/feedback", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> feedback(@RequestBody(required = false) byte[] body, HttpServletRequest http) {
        Feedback f = parse(body == null ? new byte[0] : body);
        String keyId = (String) http.getAttribute(SecurityAttributes.KEY_ID);
        try {
            return store(f, keyId);
        } catch (DataAccessException e) {
            // The client should retry later, as for any outage; nothing about it is the client's fault or Ponder's bug.
            throw new ApiException(
                    503,
                    "server_error",
                    null,
                    "database_unavailable",
                    "Feedback cannot be stored while Ponder's database is unreachable; retry later.",
                    Duration.ofSeconds(5));
        }
    }

    private Map<String, Object> store(Feedback f, String keyId) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT created_at, answered_model, prompt, answer, key_id FROM requests WHERE request_id = ? LIMIT 1",
                f.requestId());
        // The outcome row says which key made the request: it is journalled through a database outage like the rest.
        if (rows.isEmpty() || (keyId != null && !keyId.equals(rows.getFirst().get("key_id")))) {
            throw new ApiException(
                    404,
                    "invalid_request_error",
                    "request_id",
                    "request_not_found",
                    "No request '" + f.requestId() + "' is known to this key; use the x-ponder-request-id of one of"
                            + " your own answers (an answer can be labelled once it is logged, normally within a"
                            + " second).",
                    null);
        }
        Map<String, Object> request = rows.getFirst();
        Instant createdAt = ((Timestamp) request.get("created_at")).toInstant();
        Instant now = clock.instant();
        jdbc.update("""
                INSERT INTO feedback (request_id, request_created_at, key_id, score, comment, created_at)
                VALUES (?, ?, ?, ?, ?, ?)""", f.requestId(), Timestamp.from(createdAt), keyId, f.score(), f.comment(), Timestamp.from(now));
        String model = (String) request.get("answered_model");
        String prompt = (String) request.get("prompt");
        boolean labelled = model != null && prompt != null;
        if (labelled) {
            labels.save(
                    new Labels.Label(
                            f.requestId(),
                            createdAt,
                            Labels.Source.FEEDBACK,
                            model,
                            null,
                            f.score(),
                            "user",
                            prompt,
                            (String) request.get("answer"),
                            null,
                            0),
                    now);
        }
        return Map.of("object", "feedback", "request_id", f.requestId(), "score", f.score(), "labelled", labelled);
    }

    private Feedback parse(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "The body is not valid JSON.");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid(null, "The body must be a JSON object.");
        }
        JsonNode id = root.path("request_id");
        if (!id.isString() || id.asString().isBlank()) {
            throw ApiException.invalid("request_id", "request_id is required: the x-ponder-request-id of an answer.");
        }
        if (id.asString().indexOf('\0') >= 0) {
            throw ApiException.invalid("request_id", "request_id must not contain U+0000.");
        }
        JsonNode score = root.path("score");
        JsonNode thumbs = root.path("thumbs");
        double value;
        if (!score.isMissingNode() && !thumbs.isMissingNode()) {
            throw ApiException.invalid("score", "Give either score or thumbs, not both.");
        } else if (!score.isMissingNode()) {
            if (!score.isNumber() || !(score.asDouble() >= 0 && score.asDouble() <= 1)) {
                throw ApiException.invalid("score", "score must be a number in [0, 1] but was " + score + ".");
            }
            value = score.asDouble();
        } else if (thumbs.isString()
                && (thumbs.asString().equals("up") || thumbs.asString().equals("down"))) {
            value = thumbs.asString().equals("up") ? 1 : 0;
        } else if (!thumbs.isMissingNode()) {
            throw ApiException.invalid("thumbs", "thumbs must be \"up\" or \"down\" but was " + thumbs + ".");
        } else {
            throw ApiException.invalid("score", "score (in [0, 1]) or thumbs (\"up\" or \"down\") is required.");
        }
        JsonNode comment = root.path("comment");
        if (!comment.isMissingNode() && !comment.isNull() && !comment.isString()) {
            throw ApiException.invalid("comment", "comment must be a string.");
        }
        String text = comment.isString() ? comment.asString() : null;
        if (text != null && text.length() > MAX_COMMENT) {
            throw ApiException.invalid("comment", "comment must be at most " + MAX_COMMENT + " characters.");
        }
        // PostgreSQL's text cannot hold it; refused here, it would come back as "database unavailable, retry later".
        if (text != null && text.indexOf('\0') >= 0) {
            throw ApiException.invalid("comment", "comment must not contain U+0000.");
        }
        return new Feedback(id.asString(), value, text);
    }
}
