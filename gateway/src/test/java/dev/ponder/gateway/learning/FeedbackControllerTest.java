package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.mock.web.MockHttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

class FeedbackControllerTest {

    @Test
    void feedbackWhileTheDatabaseIsDownAsksTheClientToRetryLater() {
        // Nothing listens on port 1: every connection is refused at once.
        JdbcTemplate down = new JdbcTemplate(new SimpleDriverDataSource(
                new org.postgresql.Driver(), "jdbc:postgresql://127.0.0.1:1/ponder", "postgres", ""));
        FeedbackController controller = new FeedbackController(JsonMapper.shared(), down, Clock.systemUTC());
        byte[] body = "{\"request_id\": \"chatcmpl-1\", \"thumbs\": \"up\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> controller.feedback(body, new MockHttpServletRequest()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("database_unavailable");
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(5));
                });
    }
}
