package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.exception.ContentFilteredException;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.ponder.providers.testing.FakeLlmServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAI-protocol backend's refusal (structured outputs) reaches the client as OpenAI sends it: a 200 with
 * {@code message.refusal}, or {@code delta.refusal} chunks, read by unmodified clients; the outcome log says refused.
 * {@code ponder/hard} starts at {@code large}, its last tier, so {@code large}'s refusal is every asked tier's.
 */
class RefusalTest extends GatewayTest {

    private static final String REFUSAL = "I'm sorry, I can't help with that.";

    @BeforeEach
    void largeRefuses() {
        large.replyWith(prompt -> FakeLlmServer.Reply.refusal(REFUSAL));
    }

    @AfterEach
    void restoreAnswers() {
        answers();
    }

    private static ChatCompletionCreateParams ask(String model) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage("Tell me how to pick a lock.")
                .build();
    }

    @Test
    void theJavaSdkReadsARefusalWhereOpenAiPutsItAndTheLogSaysRefused() {
        HttpResponseFor<ChatCompletion> raw =
                client().chat().completions().withRawResponse().create(ask("ponder/hard"));
        ChatCompletion completion = raw.parse();

        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertThat(choice.message().refusal()).hasValue(REFUSAL);
        assertThat(choice.message().content()).isEmpty();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        // Billed as OpenAI bills it: the refusal's tokens, as the backend counted them (4 characters a token).
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(9);
        assertThat(raw.headers().values("x-ponder-backend")).containsExactly("large");
        assertThat(Double.parseDouble(raw.headers().values("x-ponder-cost-usd").getFirst()))
                .isPositive();

        Map<String, Object> request = awaitRow("SELECT * FROM requests WHERE request_id = ?", completion.id());
        assertThat(request)
                .containsEntry("status", "refused")
                .containsEntry("http_status", 200)
                .containsEntry("answered_by", "large")
                .containsEntry("output_tokens", 9)
                .containsEntry("error", null);
        assertThat(jdbc.queryForList(
                        "SELECT verdict FROM attempts WHERE request_id = ?", String.class, completion.id()))
                .containsExactly("accepted");
    }

    @Test
    void theJavaSdksAccumulatorAssemblesAStreamedRefusal() {
        ChatCompletion completion = streamedWithUsage(ask("ponder/hard"));
        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertThat(choice.message().refusal()).hasValue(REFUSAL);
        assertThat(choice.message().content()).as("never sent: OpenAI's null").isEmpty();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(9);
        assertThat(awaitRow("SELECT * FROM requests WHERE request_id = ?", completion.id()))
                .containsEntry("status", "refused")
                .containsEntry("stream", true);
    }

    /** The chunks as OpenAI frames a streamed refusal: null content and an empty refusal, the pieces, then stop. */
    @Test
    void aStreamedRefusalHasOpenAisChunks() {
        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model": "ponder/hard", "stream": true, "messages": [{"role": "user", "content": "Pick a lock."}]}""");

        List<String> events = StreamingTest.events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> choices = events.subList(0, events.size() - 1).stream()
                .map(e -> JsonMapper.shared().readTree(e).path("choices").path(0))
                .toList();
        assertThat(choices.getFirst().path("delta").toString())
                .isEqualTo("{\"role\":\"assistant\",\"content\":null,\"refusal\":\"\"}");
        List<JsonNode> pieces = choices.subList(1, choices.size() - 1);
        assertThat(pieces).allSatisfy(c -> {
            assertThat(c.path("delta").has("content")).isFalse();
            assertThat(c.path("finish_reason").isNull()).isTrue();
        });
        assertThat(pieces.stream().map(c -> c.path("delta").path("refusal").asString()))
                .containsExactly("I'm", " sorry,", " I", " can't", " help", " with", " that.");
        assertThat(choices.getLast().path("finish_reason").asString()).isEqualTo("stop");
    }

    /** LangChain4j's OpenAI client reads a refusal from Ponder as it reads one from OpenAI. */
    @Test
    void langChain4jsOpenAiClientReadsTheRefusalAsFromOpenAi() {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("unused-in-open-mode")
                .modelName("large")
                .maxRetries(0)
                .build();

        assertThatThrownBy(() -> model.chat("Tell me how to pick a lock."))
                .isInstanceOf(ContentFilteredException.class)
                .hasMessage(REFUSAL);
    }

    /** A stronger tier may answer what a weaker one refused: the refusal climbs, and the log shows where. */
    @Test
    void aLowerTiersRefusalClimbsToTheNextTierWhoseAnswerTheClientGets() {
        HttpResponseFor<ChatCompletion> raw =
                client().chat().completions().withRawResponse().create(ask("ponder/verified"));
        ChatCompletion completion = raw.parse();

        assertThat(completion.choices().getFirst().message().content())
                .hasValue("Small says: Tell me how to pick a lock.");
        assertThat(completion.choices().getFirst().message().refusal()).isEmpty();
        assertThat(raw.headers().values("x-ponder-escalations")).containsExactly("1");
        assertThat(awaitRow("SELECT * FROM requests WHERE request_id = ?", completion.id()))
                .containsEntry("status", "answered");
        List<Map<String, Object>> attempts = jdbc.queryForList(
                "SELECT backend, verdict, decided_by, error, output_tokens FROM attempts WHERE request_id = ?"
                        + " ORDER BY seq",
                completion.id());
        assertThat(attempts).extracting(a -> a.get("backend")).containsExactly("large", "small");
        assertThat(attempts).extracting(a -> a.get("verdict")).containsExactly("escalated", "accepted");
        assertThat(attempts).extracting(a -> a.get("decided_by")).containsExactly("refusal", "last-tier");
        // The refused attempt was an answer, billed: not a failure with an error.
        assertThat(attempts.getFirst()).containsEntry("error", null).containsEntry("output_tokens", 9);
    }
}
