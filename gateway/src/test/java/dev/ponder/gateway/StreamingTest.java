package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.ponder.providers.testing.FakeLlmServer;
import dev.ponder.providers.testing.FakeOllamaServer;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code stream: true} streams exactly as OpenAI does, byte for byte in its framing, and fails as OpenAI fails. */
class StreamingTest extends GatewayTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @AfterEach
    void restoreAnswers() {
        answers();
    }

    static String streamBody(String model, String prompt, String extra) {
        return """
                {"model": "%s", "stream": true, "messages": [{"role": "user", "content": "%s"}]%s}""".formatted(model, prompt, extra);
    }

    /** The events of an SSE body, checking the framing: each is one {@code data: } line ended by a blank line. */
    static List<String> events(String body) {
        assertThat(body).endsWith("\n\n");
        List<String> events = Arrays.asList(body.substring(0, body.length() - 2).split("\n\n", -1));
        assertThat(events).allSatisfy(e -> assertThat(e).startsWith("data: ").doesNotContain("\n"));
        return events.stream().map(e -> e.substring("data: ".length())).toList();
    }

    @Test
    void theSseByteStreamHasOpenAisFraming() {
        HttpResponse<String> response =
                postStream("ponder", "Tell me a story", ", \"stream_options\": {\"include_usage\": true}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
        assertThat(response.headers().firstValue("x-ponder-backend")).hasValue("small");
        assertThat(response.headers().firstValue("x-ponder-tier")).hasValue("small");
        assertThat(response.headers().firstValue("x-ponder-escalations")).hasValue("0");
        assertThat(response.headers().firstValue("x-ponder-score")).isPresent();
        String id = response.headers().firstValue("x-ponder-request-id").orElseThrow();

        List<String> events = events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream()
                .map(JSON::readTree)
                .toList();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("id").asString()).isEqualTo(id);
            assertThat(c.path("object").asString()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("model").asString()).isEqualTo("llama3.2:3b");
            assertThat(c.has("usage")).isTrue();
        });
        JsonNode first = chunks.getFirst().path("choices").path(0);
        assertThat(first.path("delta").path("role").asString()).isEqualTo("assistant");
        assertThat(first.path("finish_reason").isNull()).isTrue();
        StringBuilder text = new StringBuilder();
        chunks.subList(1, chunks.size() - 2).forEach(c -> {
            JsonNode choice = c.path("choices").path(0);
            assertThat(choice.path("finish_reason").isNull()).isTrue();
            assertThat(c.path("usage").isNull()).isTrue();
            text.append(choice.path("delta").path("content").asString());
        });
        assertThat(text.toString()).isEqualTo("Small says: Tell me a story");
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.path("choices").path(0).path("finish_reason").asString())
                .isEqualTo("stop");
        assertThat(finish.path("choices").path(0).path("delta").isEmpty()).isTrue();
        JsonNode usage = chunks.getLast();
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isPositive();
        assertThat(usage.path("usage").path("total_tokens").asInt())
                .isEqualTo(usage.path("usage").path("prompt_tokens").asInt()
                        + usage.path("usage").path("completion_tokens").asInt());

        Map<String, Object> row = awaitRow("SELECT * FROM requests WHERE request_id = ?", id);
        assertThat(row).containsEntry("answered_by", "small");
    }

    /** Each content chunk carries its own tokens' logprobs: live, checked then replayed, and straight to a backend. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ponder/verified", "ponder/live", "large"})
    void contentChunksCarryTheLogprobsOfTheirTokens(String model) {
        HttpResponse<String> response = postStream(model, "one two three", ", \"logprobs\": true, \"top_logprobs\": 2");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-ponder-backend")).hasValue("large");
        List<JsonNode> content = chunks(response.body()).stream()
                .map(c -> c.path("choices").path(0))
                .filter(c -> !c.path("delta").path("content").asString("").isEmpty())
                .toList();
        assertThat(content).hasSizeGreaterThan(1).allSatisfy(choice -> {
            JsonNode tokens = choice.path("logprobs").path("content");
            assertThat(tokens.isArray()).as(choice.toString()).isTrue();
            assertThat(tokens.valueStream().map(t -> t.path("token").asString()).reduce("", String::concat))
                    .isEqualTo(choice.path("delta").path("content").asString());
            assertThat(tokens).allSatisfy(t -> {
                assertThat(t.path("logprob").asDouble()).isNegative();
                assertThat(t.path("top_logprobs")).hasSize(2);
            });
        });
    }

    @Test
    void noChunkCarriesLogprobsTheClientDidNotAskFor() {
        // The IDK check may ask the lower tier for logprobs; they are Ponder's, not the client's.
        HttpResponse<String> response = postStream("ponder/verified", "one two", "");

        assertThat(chunks(response.body())).isNotEmpty().allSatisfy(c -> c.path("choices")
                .forEach(choice -> assertThat(choice.path("logprobs").isNull()).isTrue()));
    }

    @Test
    void nChoicesStreamUnderTheirOwnIndexes() {
        HttpResponse<String> response =
                postStream("large", "one two", ", \"n\": 2, \"stream_options\": {\"include_usage\": true}");

        // The further choice is another call to the same tier, not an escalation.
        assertThat(response.headers().firstValue("x-ponder-escalations")).hasValue("0");

        List<JsonNode> chunks = chunks(response.body());
        Map<Integer, StringBuilder> texts = new java.util.TreeMap<>();
        Map<Integer, String> finishes = new java.util.TreeMap<>();
        Map<Integer, Integer> roles = new java.util.TreeMap<>();
        chunks.forEach(c -> c.path("choices").forEach(choice -> {
            int index = choice.path("index").asInt();
            texts.computeIfAbsent(index, i -> new StringBuilder())
                    .append(choice.path("delta").path("content").asString(""));
            if (choice.path("delta").has("role")) {
                roles.merge(index, 1, Integer::sum);
            }
            if (choice.path("finish_reason").isString()) {
                finishes.put(index, choice.path("finish_reason").asString());
            }
        }));
        assertThat(texts.keySet()).containsExactly(0, 1);
        assertThat(texts.values()).extracting(StringBuilder::toString).containsOnly("Large says: one two");
        assertThat(roles).containsEntry(0, 1).containsEntry(1, 1);
        assertThat(finishes).containsEntry(0, "stop").containsEntry(1, "stop");
        JsonNode usage = chunks.getLast().path("usage");
        HttpResponse<String> single = post("/v1/chat/completions", "application/json", """
                        {"model": "large", "messages": [{"role": "user", "content": "one two"}]}""");
        JsonNode one = JSON.readTree(single.body()).path("usage");
        assertThat(usage.path("completion_tokens").asInt())
                .isEqualTo(2 * one.path("completion_tokens").asInt());
    }

    private HttpResponse<String> postStream(String model, String prompt, String extra) {
        return post("/v1/chat/completions", "application/json", streamBody(model, prompt, extra));
    }

    private static List<JsonNode> chunks(String body) {
        List<String> events = events(body);
        assertThat(events.getLast()).isEqualTo("[DONE]");
        return events.subList(0, events.size() - 1).stream().map(JSON::readTree).toList();
    }

    @Test
    void withoutIncludeUsageNoChunkCarriesUsage() {
        HttpResponse<String> response = postStream("ponder", "Hi", "");

        List<String> events = events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        assertThat(events.subList(0, events.size() - 1))
                .allSatisfy(e -> assertThat(JSON.readTree(e).has("usage")).isFalse());
    }

    @Test
    void theOfficialSdkReadsTheStream() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("ponder")
                .addUserMessage("What is the capital of Atlantis?")
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream =
                client().chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));

        // The cheap tier abstained, so the verified stream carries the large tier's answer only.
        assertThat(text.toString()).isEqualTo("Large says: What is the capital of Atlantis?");
        assertThat(chunks.getFirst().choices().getFirst().delta().role()).isPresent();
        assertThat(chunks.getLast().usage())
                .hasValueSatisfying(u -> assertThat(u.totalTokens()).isPositive());
        assertThat(chunks.get(chunks.size() - 2).choices().getFirst().finishReason())
                .hasValueSatisfying(r -> assertThat(r.asString()).isEqualTo("stop"));
    }

    @Test
    void streamedHeadersNameTheTierThatAnswersAfterAnEscalation() {
        HttpResponse<String> response = postStream("ponder", "What is the capital of Atlantis?", "");

        assertThat(response.headers().firstValue("x-ponder-backend")).hasValue("large");
        assertThat(response.headers().firstValue("x-ponder-escalations")).hasValue("1");
    }

    @Test
    void toolCallsStreamAsIndexedFragments() {
        large.replyWith(prompt -> FakeLlmServer.Reply.toolCall("call_42", "get_weather", "{\"city\":\"Paris\"}"));
        HttpResponse<String> response = postStream("large", "Weather in Paris?", """
                        , "tools": [{"type": "function", "function": {"name": "get_weather",
                           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]""");

        List<JsonNode> chunks = events(response.body()).stream()
                .filter(e -> !e.equals("[DONE]"))
                .map(JSON::readTree)
                .toList();
        List<JsonNode> calls = chunks.stream()
                .map(c -> c.path("choices").path(0).path("delta").path("tool_calls"))
                .filter(JsonNode::isArray)
                .map(a -> a.path(0))
                .toList();
        assertThat(calls)
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.path("index").asInt()).isZero());
        assertThat(calls.getFirst().path("id").asString()).isEqualTo("call_42");
        assertThat(calls.getFirst().path("type").asString()).isEqualTo("function");
        assertThat(calls.getFirst().path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(calls.subList(1, calls.size()))
                .allSatisfy(c -> assertThat(c.has("id")).isFalse());
        String arguments = calls.stream()
                .map(c -> c.path("function").path("arguments").asString())
                .reduce("", String::concat);
        assertThat(JSON.readTree(arguments).path("city").asString()).isEqualTo("Paris");
        assertThat(chunks.getLast()
                        .path("choices")
                        .path(0)
                        .path("finish_reason")
                        .asString())
                .isEqualTo("tool_calls");
    }

    @Test
    void anErrorBeforeTheFirstByteIsAnOrdinaryErrorResponse() {
        small.failNext(400, FakeOllamaServer.errorBody("context window exceeded"));

        HttpResponse<String> response = postStream("small", "Hi", "");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asString()).contains("context window exceeded");
    }

    @Test
    void aBackendThatBreaksMidStreamEndsTheStreamWithAnErrorEvent() {
        large.cutNextStreamAfter(2);

        HttpResponse<String> response = postStream("large", "one two three four five six seven eight", "");

        assertThat(response.statusCode()).isEqualTo(200);
        // The delta came from large, however soon after it the stream broke.
        assertThat(response.headers().firstValue("x-ponder-backend")).hasValue("large");
        List<String> events = events(response.body());
        assertThat(events).doesNotContain("[DONE]");
        assertThat(JSON.readTree(events.getFirst()).path("model").asString()).isEqualTo("gpt-4o");
        JsonNode error = JSON.readTree(events.getLast()).path("error");
        assertThat(error.path("message").asString()).startsWith("The answer broke off after it began: ");
        assertThat(error.path("type").asString()).isEqualTo("upstream_error");
    }
}
