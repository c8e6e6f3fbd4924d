package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.mock.web.MockHttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

class FeedbackControllerTest {

    // Nothing listens on port 1: every connection is refused at once.
    private final FeedbackController controller = new FeedbackController(
            JsonMapper.shared(),
            new JdbcTemplate(new SimpleDriverDataSource(
                    new org.postgresql.Driver(), "jdbc:postgresql://127.0.0.1:1/ponder", "postgres", "")),
            Clock.systemUTC());

    @Test
    void feedbackWhileTheDatabaseIsDownAsksTheClientToRetryLater() {
        byte[] body = "{\"request_id\": \"chatcmpl-1\", \"thumbs\": \"up\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> controller.feedback(body, new MockHttpServletRequest()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("database_unavailable");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
                });
    }

    @ParameterizedTest
    @CsvSource({
        "'{\"request_id\": \"chatcmpl-1\", \"thumbs\": \"up\", \"comment\": \"a\\u0000b\"}', comment",
        "'{\"request_id\": \"chatcmpl-\\u0000\", \"thumbs\": \"up\"}', request_id"
    })
    void aNulCharacterIsTheClientsErrorNotAnOutage(String json, String param) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> controller.feedback(body, new MockHttpServletRequest()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).contains("U+0000");
                });
    }
}
