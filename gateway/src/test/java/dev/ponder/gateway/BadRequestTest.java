package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Bad input gets OpenAI's error body with the right status and the offending {@code param}; it reaches no backend. */
class BadRequestTest extends GatewayTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON                | {"model": "ponder", "messages": [           | 400 |
            a body that is not an object  | [1, 2]                                     | 400 |
            no model                      | {"messages": [{"role":"user","content":"hi"}]} | 400 | model
            model of the wrong type       | {"model": 7, "messages": [{"role":"user","content":"hi"}]} | 400 | model
            no messages                   | {"model": "ponder"}                        | 400 | messages
            messages not an array         | {"model": "ponder", "messages": "hi"}      | 400 | messages
            empty messages                | {"model": "ponder", "messages": []}        | 400 | messages
            a message with a bad role     | {"model": "ponder", "messages": [{"role":"robot","content":"hi"}]} | 400 | messages[0].role
            a message without content     | {"model": "ponder", "messages": [{"role":"user"}]} | 400 | messages[0].content
            temperature out of range      | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "temperature": 3} | 400 | temperature
            max_tokens of the wrong type  | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "max_tokens": "many"} | 400 | max_tokens
            a tool message without its id | {"model": "ponder", "messages": [{"role":"tool","content":"42"}]} | 400 | messages[0].tool_call_id
            an unknown model              | {"model": "gpt-7", "messages": [{"role":"user","content":"hi"}]} | 404 | model
            stream of the wrong type      | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "stream": "yes"} | 400 | stream
            a bad tier cap in metadata    | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "metadata": {"ponder_max_tier": "nine"}} | 400 | metadata.ponder_max_tier
            a bad quality target          | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "metadata": {"ponder_quality_target": "high"}} | 400 | metadata.ponder_quality_target
            n of zero                     | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "n": 0} | 400 | n
            n over 128, as OpenAI caps it | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "n": 129} | 400 | n
            an image URL that is no URL   | {"model": "ponder", "messages": [{"role":"user","content":[{"type":"image_url","image_url":{"url":"cat.png"}}]}]} | 400 | messages[0].content[0].image_url.url
            an image detail OpenAI lacks  | {"model": "ponder", "messages": [{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/c.png","detail":"ultra"}}]}]} | 400 | messages[0].content[0].image_url.detail
            a schema name with a space    | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "my schema"}}} | 400 | response_format.json_schema.name
            top_logprobs without logprobs | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "top_logprobs": 2} | 400 | top_logprobs
            stream_options without stream | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "stream_options": {"include_usage": true}} | 400 | stream_options
            a bad service_tier            | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "service_tier": "gold"} | 400 | service_tier
            store of the wrong type       | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "store": "yes"} | 400 | store
            17 metadata pairs             | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "metadata": {"a": "v", "b": "v", "c": "v", "d": "v", "e": "v", "f": "v", "g": "v", "h": "v", "i": "v", "j": "v", "k": "v", "l": "v", "m": "v", "n": "v", "o": "v", "p": "v", "q": "v"}} | 400 | metadata
            a bad response_format         | {"model": "ponder", "messages": [{"role":"user","content":"hi"}], "response_format": {"type": "yaml"}} | 400 | response_format.type
            """)
    void answersInOpenAisErrorFormat(String what, String body, int status, String param) {
        int smallCalls = small.requestCount();
        int largeCalls = large.requestCount();

        HttpResponse<String> response = post("/v1/chat/completions", "application/json", body);

        assertThat(response.statusCode()).as(what).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("message").asString()).as(what).isNotBlank().doesNotContain("Exception");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        if (param == null) {
            assertThat(error.path("param").isNull()).as(what).isTrue();
        } else {
            assertThat(error.path("param").asString()).as(what).isEqualTo(param);
        }
        assertThat(small.requestCount()).isEqualTo(smallCalls);
        assertThat(large.requestCount()).isEqualTo(largeCalls);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no prompt                | {"model": "ponder"}                                  | prompt
            a batch of prompts       | {"model": "ponder", "prompt": ["a", "b"]}            | prompt
            echo, which Ponder lacks | {"model": "ponder", "prompt": "a", "echo": true}      | echo
            legacy logprobs too high | {"model": "ponder", "prompt": "a", "logprobs": 9}     | logprobs
            echo of the wrong type   | {"model": "ponder", "prompt": "a", "echo": "yes"}     | echo
            a suffix                 | {"model": "ponder", "prompt": "a", "suffix": "end"}   | suffix
            best_of below n          | {"model": "ponder", "prompt": "a", "n": 2, "best_of": 1} | best_of
            best_of above n          | {"model": "ponder", "prompt": "a", "best_of": 3}      | best_of
            temperature out of range | {"model": "ponder", "prompt": "a", "temperature": -1} | temperature
            """)
    void legacyCompletionsCheckTheirFieldsToo(String what, String body, String param) {
        int calls = small.requestCount() + large.requestCount();

        HttpResponse<String> response = post("/v1/completions", "application/json", body);

        assertThat(response.statusCode()).as(what).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").path("param").asString())
                .as(what)
                .isEqualTo(param);
        assertThat(small.requestCount() + large.requestCount()).isEqualTo(calls);
    }

    @Test
    void aBodyOverTheLimitIs413WhetherItsLengthIsDeclaredOrNot() throws Exception {
        String huge = "{\"model\": \"ponder\", \"messages\": [{\"role\": \"user\", \"content\": \""
                + "x".repeat(5 * 1024 * 1024) + "\"}]}";
        int calls = small.requestCount() + large.requestCount();
        HttpResponse<String> declared = post("/v1/chat/completions", "application/json", huge);
        HttpResponse<String> chunked = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new ByteArrayInputStream(huge.getBytes(StandardCharsets.UTF_8))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        for (HttpResponse<String> response : List.of(declared, chunked)) {
            assertThat(response.statusCode()).isEqualTo(413);
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("code").asString()).isEqualTo("request_too_large");
            assertThat(response.headers().firstValue("x-ponder-request-id")).isPresent();
        }
        assertThat(small.requestCount() + large.requestCount()).isEqualTo(calls);
    }

    @Test
    void errorsTomcatAnswersItselfComeInOpenAisFormatToo() throws Exception {
        HttpResponse<String> encodedNul = get("/v1/chat%00completions");
        HttpResponse<String> hugeHeader = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                                .header("X-Big", "x".repeat(20_000))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        for (HttpResponse<String> response : List.of(encodedNul, hugeHeader)) {
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.headers().firstValue("content-type"))
                    .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertThat(error.propertyNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("message").asString()).isNotBlank();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an unknown path                          | POST | /v1/nothing-here          | 404 | /v1/nothing-here
            a GET on a POST path                     | GET  | /v1/chat/completions      | 405 | GET
            a trailing slash, named as it was sent   | POST | /v1/chat/completions/     | 404 | /v1/chat/completions/
            a base URL ending in a slash             | POST | /v1//chat/completions     | 400 | "//"
            a path parameter the firewall refuses    | POST | /v1/chat/completions;x=y  | 400 | ";"
            a path the firewall finds not normalized | POST | /v1/./chat/completions    | 400 | not normalized.
            an encoded slash outside a model id      | POST | /v1/chat%2Fcompletions    | 400 | "%2F"
            the container's error page by its name   | GET  | /error                    | 404 | /error
            """)
    void unknownRoutesAnswerInOpenAisErrorFormatToo(
            String what, String method, String path, int status, String messageNames) {
        HttpResponse<String> response = method.equals("GET") ? get(path) : post(path, "application/json", "{}");

        assertThat(response.statusCode()).as(what).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.propertyNames()).as(what).containsExactly("error");
        JsonNode error = body.path("error");
        assertThat(error.propertyNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asString())
                .as(what)
                .contains(messageNames)
                .doesNotEndWith("..");
    }
}
