package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ponder.gateway.TestDatabase;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataRetrievalFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

class ErrorResponsesTest {

    private final ErrorResponses responses =
            new ErrorResponses(new BodySizeLimit(new ApiProperties(null, 1, null, null), JsonMapper.shared()));

    @Test
    void aCharacterTheDatabaseCannotStoreIsTheCallersError() {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabase.migrated());
        DataAccessException refused = catchThrowableOfType(
                DataAccessException.class, () -> jdbc.queryForObject("SELECT ?::text", String.class, "a\0b"));

        var response = responses.database(refused);

        assertThat(response.getStatusCode().value()).isEqualTo(400);
        assertThat(error(response.getBody())).containsEntry("type", "invalid_request_error");
        assertThat((String) error(response.getBody()).get("message")).contains("U+0000");
    }

    @Test
    void anyOtherDatabaseFailureIsOurs() {
        var response = responses.database(new DataRetrievalFailureException("connection lost"));

        assertThat(response.getStatusCode().value()).isEqualTo(500);
        assertThat(error(response.getBody())).containsEntry("type", "server_error");
    }

    @Test
    void retryAfterRoundsAWaitUpToWholeSecondsSoThatAClientDoesNotComeBackEarly() {
        var response = responses.api(new ApiException(
                503, "upstream_error", null, "upstream_unavailable", "busy", java.time.Duration.ofMillis(1500)));
        var instant = responses.api(
                new ApiException(503, "upstream_error", null, "upstream_unavailable", "busy", java.time.Duration.ZERO));

        assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("2");
        assertThat(instant.getHeaders().getFirst("Retry-After")).isEqualTo("1");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(Map<String, Object> body) {
        return (Map<String, Object>) body.get("error");
    }
}
