package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.core.http.HttpResponseFor;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.ponder.providers.testing.FakeOllamaServer;
import dev.ponder.providers.testing.FakeOpenAiServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole path on the real stack: the official OpenAI SDK calls Ponder, Ponder calls an Ollama-protocol and an
 * OpenAI-protocol server over HTTP through the cascade, and the outcome lands in a real PostgreSQL.
 */
class GatewayEndToEndTest extends GatewayTest {

    static ChatCompletionCreateParams ask(String model, String prompt) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(prompt)
                .build();
    }

    @Test
    void anEasyRequestIsAnsweredByTheCheapTier() {
        HttpResponseFor<ChatCompletion> response =
                client().chat().completions().withRawResponse().create(ask("ponder", "What is 2 + 2?"));
        ChatCompletion completion = response.parse();

        assertThat(completion.choices().getFirst().message().content().orElseThrow())
                .contains("Small says: What is 2 + 2?");
        assertThat(completion.model()).isEqualTo("llama3.2:3b");
        assertThat(response.headers().values("x-ponder-backend")).containsExactly("small");
        assertThat(response.headers().values("x-ponder-escalations")).containsExactly("0");
        assertThat(Double.parseDouble(
                        response.headers().values("x-ponder-score").getFirst()))
                .isBetween(0.0, 1.0);
    }

    @Test
    void anAbstainingCheapAnswerEscalatesToTheNextTierAndBothAttemptsAreLogged() {
        HttpResponseFor<ChatCompletion> response = client().chat()
                .completions()
                .withRawResponse()
                .create(ask("ponder", "What is the capital of Atlantis?"));
        ChatCompletion completion = response.parse();
        String id = response.headers().values("x-ponder-request-id").getFirst();

        assertThat(completion.choices().getFirst().message().content().orElseThrow())
                .isEqualTo("Large says: What is the capital of Atlantis?");
        assertThat(completion.model()).isEqualTo("gpt-4o");
        assertThat(completion.id()).isEqualTo(id);
        assertThat(response.headers().values("x-ponder-escalations")).containsExactly("1");

        Map<String, Object> request = awaitRow("SELECT * FROM requests WHERE request_id = ?", id);
        assertThat(request)
                .containsEntry("policy", "default")
                .containsEntry("status", "answered")
                .containsEntry("answered_by", "large")
                .containsEntry("answered_model", "gpt-4o")
                .containsEntry("attempts", 2)
                .containsEntry("escalations", 1);
        assertThat((Double) request.get("cost_usd")).isPositive();
        List<Map<String, Object>> attempts =
                jdbc.queryForList("SELECT * FROM attempts WHERE request_id = ? ORDER BY seq", id);
        assertThat(attempts).extracting(a -> a.get("backend")).containsExactly("small", "large");
        assertThat(attempts).extracting(a -> a.get("verdict")).containsExactly("escalated", "accepted");
    }

    @Test
    void aFailingCheapTierEscalates() {
        small.failNext(500, FakeOllamaServer.errorBody("model crashed"));
        ChatCompletion completion = client().chat().completions().create(ask("ponder", "Name a prime number."));

        assertThat(completion.model()).isEqualTo("gpt-4o");
    }

    @Test
    void aCheapTierRefusingPondersCredentialsEscalatesInsteadOfFailingTheCaller() {
        small.failNext(401, FakeOllamaServer.errorBody("unauthorized"));
        ChatCompletion completion = client().chat().completions().create(ask("ponder", "Name a prime number."));

        assertThat(completion.model()).isEqualTo("gpt-4o");
    }

    @Test
    void aBackendRefusingPondersApiKeyIsA502ForTheCallerNotTheirOwn401NamingTheLoggedRequest() {
        large.failNext(401, FakeOpenAiServer.errorBody("invalid_request_error", "Incorrect API key provided."));

        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model": "large", "messages": [{"role": "user", "content": "Hello"}]}""");

        assertThat(response.statusCode()).isEqualTo(502);
        JsonNode error = JsonMapper.shared().readTree(response.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("upstream_failed");
        assertThat(error.path("message").asString()).contains("HTTP 401", "Incorrect API key provided.");
        String id = response.headers().firstValue("x-ponder-request-id").orElseThrow();
        assertThat(awaitRow("SELECT * FROM requests WHERE request_id = ?", id)).containsEntry("status", "failed");
    }

    @Test
    void aHardPolicySkipsTheCheapTier() {
        int before = small.requestCount();
        ChatCompletion completion = client().chat().completions().create(ask("ponder/hard", "Prove Fermat's theorem."));

        assertThat(completion.model()).isEqualTo("gpt-4o");
        assertThat(small.requestCount()).isEqualTo(before);
    }

    @Test
    void namingABackendBypassesTheCascade() {
        ChatCompletion completion = client().chat().completions().create(ask("large", "Hello"));

        assertThat(completion.model()).isEqualTo("gpt-4o");
        assertThat(completion.choices().getFirst().message().content().orElseThrow())
                .contains("Large says: Hello");
    }

    @Test
    void aBackendsRefusalComesBackAsItSentItWithItsParamAndCode() {
        large.failNext(400, """
                {"error": {"message": "This model's maximum context length is 128000 tokens.",
                           "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}""");

        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model": "large", "messages": [{"role": "user", "content": "Hello"}]}""");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JsonMapper.shared().readTree(response.body()).path("error");
        assertThat(error.path("message").asString()).isEqualTo("This model's maximum context length is 128000 tokens.");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").asString()).isEqualTo("messages");
        assertThat(error.path("code").asString()).isEqualTo("context_length_exceeded");
    }

    @Test
    void aPromptAndAnAnswerOfAMegabytePassTheConnectorsSmallBuffersWhole() {
        // SocketBuffers leaves Tomcat 2 KiB per socket and response buffer: larger bodies take more reads and writes.
        String prompt = "word ".repeat(200_000) + "end";
        ChatCompletion completion = client().chat().completions().create(ask("small", prompt));

        assertThat(completion.choices().getFirst().message().content().orElseThrow())
                .isEqualTo("Small says: " + prompt);
    }

    @Test
    void aBurstOfNewConnectionsWaitsInAListenBacklogOfThousands(@Autowired WebServerApplicationContext context) {
        // Tomcat's default backlog of 100 dropped part of a 5,000-connection burst before Ponder saw it.
        TomcatWebServer server = (TomcatWebServer) context.getWebServer();

        assertThat(server.getTomcat().getConnector().getProperty("acceptCount")).isEqualTo(8192);
    }

    @Test
    void anUnknownModelIsA404InOpenAisFormat() {
        assertThatThrownBy(() -> client().chat().completions().create(ask("gpt-7", "Hello")))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("gpt-7");
    }

    @Test
    void modelsListsTheRouteThePoliciesAndTheBackends() {
        assertThat(client().models().list().data())
                .extracting(m -> m.id())
                .contains("ponder", "ponder/default", "ponder/hard", "small", "large");
    }
}
