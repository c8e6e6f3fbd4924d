package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rest of OpenAI's surface: every request field reaches the backend, the legacy completions endpoint, the
 * decision-only route endpoint, routing controls, and a backend's own refusal coming back as OpenAI would send it.
 */
class ApiSurfaceTest extends GatewayTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void theLegacyMaxTokensGoesUpstreamUnderItsOwnName() {
        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model": "large", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 33}""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode sent = JSON.readTree(large.requestBodies().getLast());
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(33);
        assertThat(sent.has("max_completion_tokens")).isFalse();
    }

    @Test
    void everyRequestFieldReachesTheBackend() {
        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model": "large", "messages": [
                   {"role": "system", "content": "Be brief."},
                   {"role": "developer", "content": "Answer in English."},
                   {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
                   {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                      "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}]},
                   {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
                   {"role": "user", "content": "And tomorrow?"}],
                 "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
                 "tool_choice": "auto", "parallel_tool_calls": false,
                 "response_format": {"type": "json_schema", "json_schema": {"name": "forecast",
                    "schema": {"type": "object", "properties": {"sky": {"type": "string"}}}, "strict": true}},
                 "temperature": 0.3, "top_p": 0.9, "max_completion_tokens": 77, "stop": ["END"], "seed": 42,
                 "logprobs": true, "top_logprobs": 2, "user": "u-17",
                 "metadata": {"team": "search", "ponder_quality_target": "0.5"}, "store": true, "service_tier": "flex",
                 "a_field_openai_may_add_tomorrow": {"x": 1}}
                """);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode sent = JSON.readTree(large.requestBodies().getLast());
        // LangChain4j has no developer role: developer instructions go upstream as system messages.
        assertThat(sent.path("messages"))
                .extracting(m -> m.path("role").asString())
                .containsExactly("system", "system", "user", "assistant", "tool", "user");
        assertThat(sent.path("messages").path(1).path("content").asString()).isEqualTo("Answer in English.");
        assertThat(sent.path("messages")
                        .path(3)
                        .path("tool_calls")
                        .path(0)
                        .path("id")
                        .asString())
                .isEqualTo("call_1");
        assertThat(sent.path("messages").path(4).path("tool_call_id").asString())
                .isEqualTo("call_1");
        assertThat(sent.path("tools").path(0).path("function").path("name").asString())
                .isEqualTo("get_weather");
        assertThat(sent.path("tool_choice").asString()).isEqualTo("auto");
        assertThat(sent.path("parallel_tool_calls").asBoolean(true)).isFalse();
        assertThat(sent.path("response_format").path("type").asString()).isEqualTo("json_schema");
        assertThat(sent.path("response_format").path("json_schema").path("name").asString())
                .isEqualTo("forecast");
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(sent.path("top_p").asDouble()).isEqualTo(0.9);
        // under the client's name for it: OpenAI's reasoning models refuse max_tokens
        assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(77);
        assertThat(sent.has("max_tokens")).isFalse();
        assertThat(sent.path("stop").path(0).asString()).isEqualTo("END");
        assertThat(sent.path("seed").asInt()).isEqualTo(42);
        assertThat(sent.path("logprobs").asBoolean()).isTrue();
        assertThat(sent.path("top_logprobs").asInt()).isEqualTo(2);
        assertThat(sent.path("user").asString()).isEqualTo("u-17");
        // Ponder's routing keys stay with Ponder; the rest of the metadata goes upstream as it came.
        assertThat(sent.path("metadata").propertyNames()).containsExactly("team");
        assertThat(sent.path("metadata").path("team").asString()).isEqualTo("search");
        assertThat(sent.path("store").asBoolean()).isTrue();
        assertThat(sent.path("service_tier").asString()).isEqualTo("flex");
        assertThat(sent.has("a_field_openai_may_add_tomorrow")).isFalse();
    }

    @Test
    void nChoicesAreNCallsToTheTierThatAnsweredAndCountInUsageAndCost() {
        HttpResponse<String> one = post("/v1/chat/completions", "application/json", """
                {"model": "large", "logprobs": true, "messages": [{"role": "user", "content": "Name a colour."}]}""");
        int calls = large.requestCount();

        HttpResponse<String> three = post("/v1/chat/completions", "application/json", """
                {"model": "large", "n": 3, "logprobs": true,
                 "messages": [{"role": "user", "content": "Name a colour."}]}""");

        assertThat(three.statusCode()).as(three.body()).isEqualTo(200);
        assertThat(large.requestCount() - calls).isEqualTo(3);
        JsonNode body = JSON.readTree(three.body());
        assertThat(body.path("choices").valueStream().map(c -> c.path("index").asInt()))
                .containsExactly(0, 1, 2);
        assertThat(body.path("choices")).allSatisfy(c -> {
            assertThat(c.path("message").path("content").asString()).isEqualTo("Large says: Name a colour.");
            assertThat(c.path("logprobs").path("content")).isNotEmpty();
        });
        JsonNode single = JSON.readTree(one.body()).path("usage");
        assertThat(body.path("usage").path("total_tokens").asInt())
                .isEqualTo(3 * single.path("total_tokens").asInt());
        assertThat(Double.parseDouble(
                        three.headers().firstValue("x-ponder-cost-usd").orElseThrow()))
                .isCloseTo(
                        3
                                * Double.parseDouble(one.headers()
                                        .firstValue("x-ponder-cost-usd")
                                        .orElseThrow()),
                        org.assertj.core.data.Offset.offset(1e-8));
    }

    @Test
    void legacyCompletionsAnswerNChoicesWithLegacyLogprobs() {
        HttpResponse<String> response = post("/v1/completions", "application/json", """
                {"model": "large", "prompt": "one two", "n": 2, "best_of": 2, "logprobs": 1}""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode choices = JSON.readTree(response.body()).path("choices");
        assertThat(choices.valueStream().map(c -> c.path("index").asInt())).containsExactly(0, 1);
        JsonNode logprobs = choices.path(1).path("logprobs");
        assertThat(logprobs.path("tokens").valueStream().map(JsonNode::asString).reduce("", String::concat))
                .isEqualTo(choices.path(1).path("text").asString());
        assertThat(logprobs.path("text_offset").path(1).asInt())
                .isEqualTo(logprobs.path("tokens").path(0).asString().length());
        assertThat(logprobs.path("top_logprobs").path(0).size()).isEqualTo(1);
    }

    @Test
    void anImageSkipsTheTierThatTakesNoImages() {
        int smallCalls = small.requestCount();

        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model": "ponder", "messages": [{"role": "user", "content": [{"type": "text", "text": "What is it?"},
                   {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}}]}]}""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-ponder-backend")).hasValue("large");
        assertThat(small.requestCount()).isEqualTo(smallCalls);
        JsonNode part = JSON.readTree(large.requestBodies().getLast()).at("/messages/0/content/1");
        assertThat(part.at("/image_url/url").asString()).isEqualTo("https://example.com/cat.png");
        assertThat(part.at("/image_url/detail").asString()).isEqualTo("low");
    }

    @Test
    void legacyCompletionsRunThePromptThroughTheCascade() {
        HttpResponse<String> response = post("/v1/completions", "application/json", """
                {"model": "ponder", "prompt": "Say this is a test", "max_tokens": 7}""");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("object").asString()).isEqualTo("text_completion");
        assertThat(body.path("id").asString())
                .startsWith("cmpl-")
                .isEqualTo(response.headers().firstValue("x-ponder-request-id").orElseThrow());
        assertThat(body.path("choices").path(0).path("text").asString()).isEqualTo("Small says: Say this is a test");
        assertThat(body.path("choices").path(0).path("finish_reason").asString())
                .isEqualTo("stop");
        assertThat(body.path("usage").path("total_tokens").asInt()).isPositive();
        assertThat(response.headers().firstValue("x-ponder-backend")).hasValue("small");

        // Spring MVC decodes the path before mapping it, so this is the same endpoint, and its id the same kind.
        HttpResponse<String> encoded = post("/v1/%63ompletions", "application/json", """
                {"model": "ponder", "prompt": "Say this is a test"}""");
        assertThat(JSON.readTree(encoded.body()).path("id").asString())
                .startsWith("cmpl-")
                .isEqualTo(encoded.headers().firstValue("x-ponder-request-id").orElseThrow());
    }

    @Test
    void legacyCompletionsStreamTextCompletionChunks() {
        HttpResponse<String> response = post("/v1/completions", "application/json", """
                {"model": "ponder", "prompt": ["Say this is a test"], "stream": true,
                 "stream_options": {"include_usage": true}}""");

        List<String> events = StreamingTest.events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream()
                .map(JSON::readTree)
                .toList();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("object").asString()).isEqualTo("text_completion");
            assertThat(c.path("id").asString()).startsWith("cmpl-");
        });
        String text = chunks.stream()
                .flatMap(c -> c.path("choices").valueStream())
                .map(c -> c.path("text").asString())
                .reduce("", String::concat);
        assertThat(text).isEqualTo("Small says: Say this is a test");
        assertThat(chunks.get(chunks.size() - 2)
                        .path("choices")
                        .path(0)
                        .path("finish_reason")
                        .asString())
                .isEqualTo("stop");
        assertThat(chunks.getLast().path("usage").path("total_tokens").asInt()).isPositive();
    }

    @Test
    void routeSaysWhereARequestWouldGoWithoutCallingAModel() {
        int calls = small.requestCount() + large.requestCount();

        HttpResponse<String> response = post("/v1/route", "application/json", """
                {"model": "ponder/hard", "messages": [{"role": "user", "content": "Prove it."}]}""");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode route = JSON.readTree(response.body());
        assertThat(route.path("policy").asString()).isEqualTo("hard");
        assertThat(route.path("score").asDouble()).isBetween(0.0, 1.0);
        assertThat(route.path("thresholds").path(0).asDouble()).isEqualTo(0.0);
        assertThat(route.path("tier_name").asString()).isEqualTo("large");
        assertThat(route.path("backend").asString()).isEqualTo("large");
        assertThat(route.path("tiers").path(0).path("skipped").asString()).contains("above its threshold");
        assertThat(route.path("tiers").path(1).path("skipped").isNull()).isTrue();
        assertThat(small.requestCount() + large.requestCount()).isEqualTo(calls);
    }

    @Test
    void aMaxTierHeaderKeepsTheRequestBelowTheCap() {
        HttpResponse<String> response = send("/v1/chat/completions", "x-ponder-max-tier", "small", """
                {"model": "ponder/hard", "messages": [{"role": "user", "content": "Prove it."}]}""");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-ponder-backend")).hasValue("small");
    }

    @Test
    void aQualityTargetInMetadataMakesTheRequestStartHigher() {
        HttpResponse<String> response = post("/v1/route", "application/json", """
                {"model": "ponder", "metadata": {"ponder_quality_target": "1"},
                 "messages": [{"role": "user", "content": "What is 2 + 2?"}]}""");

        assertThat(JSON.readTree(response.body()).path("tier_name").asString()).isEqualTo("large");
    }

    @Test
    void aBackendsOwnRefusalComesBackAsOpenAiSendsIt() {
        large.failNext(
                400, dev.ponder.providers.testing.FakeOpenAiServer.errorBody("invalid_request_error", "bad schema"));

        HttpResponse<String> response = post("/v1/chat/completions", "application/json", """
                {"model": "large", "messages": [{"role": "user", "content": "Hi"}]}""");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asString()).contains("bad schema");
    }

    private HttpResponse<String> send(String path, String header, String value, String body) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .header("Content-Type", "application/json")
                                    .header(header, value)
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
