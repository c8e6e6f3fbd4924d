package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.ponder.cascade.AbstentionDetector;
import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadeEngine;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.ContentLogging;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

class CascadeCallsTest {

    @Test
    void aStreamWhoseCascadeDiesOfAnErrorFailsInsteadOfWaitingForever() {
        CascadePolicy policy = new CascadePolicy(
                "direct",
                List.of(new Tier("broken", new StreamOnlyBackend("broken", (request, onDelta) -> {
                    // as a class missing from a replaced jar, or a failed assertion
                    throw new NoClassDefFoundError("io/github/resilience4j/SomeEvent");
                }))),
                List.of(),
                Budget.UNLIMITED);
        HangUps hangUps = new HangUps();
        CascadeCalls calls = new CascadeCalls(
                new Routes(Map.of(), Map.of("direct", policy), "direct"),
                new CascadeEngine(request -> 0.0, new AbstentionDetector(), Clock.systemUTC()),
                List.of(),
                Clock.systemUTC(),
                JsonMapper.shared(),
                new PonderProperties(null, null, null, null),
                new ShutdownDrain(Duration.ofSeconds(1), JsonMapper.shared()),
                hangUps);
        CascadeCalls.Prepared prepared = new CascadeCalls.Prepared(
                "broken",
                policy,
                ChatRequest.of(List.of(ChatMessage.of(Role.USER, "Hi"))),
                false,
                ContentLogging.FULL,
                null);
        MockHttpServletResponse response = new MockHttpServletResponse();

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> calls.stream(
                        prepared, "chatcmpl-1", ChatCompletionJson.INSTANCE, ChatCompletionJson.CHUNK_OBJECT, response))
                .isInstanceOf(NoClassDefFoundError.class));
        // Nothing was sent, so the error response (a 500 in OpenAI's format) is still the client's to get.
        assertThat(response.isCommitted()).isFalse();
        hangUps.destroy();
    }
}
