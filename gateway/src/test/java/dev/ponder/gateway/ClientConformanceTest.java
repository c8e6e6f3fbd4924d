package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import com.openai.models.models.Model;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.ponder.providers.testing.FakeLlmServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three real OpenAI clients, unmodified, pointed at Ponder: the official Java SDK, LangChain4j's OpenAI chat models,
 * and the npm {@code openai} package run by node.
 */
class ClientConformanceTest extends GatewayTest {

    private static final String NPM_OPENAI = "openai@7.57.0";
    private static final Path NPM_DIR = Path.of("target", "npm");

    @AfterEach
    void restoreAnswers() {
        answers();
    }

    private static void weatherToolCalls() {
        large.replyWith(prompt -> FakeLlmServer.Reply.toolCall("call_7", "get_weather", "{\"city\":\"Paris\"}"));
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    @Test
    void theJavaSdkGetsToolCalls() {
        weatherToolCalls();
        ChatCompletion completion = client().chat()
                .completions()
                .create(ChatCompletionCreateParams.builder()
                        .model("large")
                        .addUserMessage("Weather in Paris?")
                        .addTool(ChatCompletionFunctionTool.builder()
                                .function(FunctionDefinition.builder()
                                        .name("get_weather")
                                        .parameters(FunctionParameters.builder()
                                                .putAdditionalProperty("type", JsonValue.from("object"))
                                                .build())
                                        .build())
                                .build())
                        .build());

        var call = completion
                .choices()
                .getFirst()
                .message()
                .toolCalls()
                .orElseThrow()
                .getFirst()
                .asFunction();
        assertThat(call.id()).isEqualTo("call_7");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(completion.choices().getFirst().finishReason().asString()).isEqualTo("tool_calls");
    }

    @Test
    void theJavaSdkReadsStreamedToolCalls() {
        weatherToolCalls();
        StringBuilder arguments = new StringBuilder();
        List<String> names;
        try (StreamResponse<ChatCompletionChunk> stream = client().chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("large")
                        .addUserMessage("Weather in Paris?")
                        .addTool(ChatCompletionFunctionTool.builder()
                                .function(FunctionDefinition.builder()
                                        .name("get_weather")
                                        .build())
                                .build())
                        .build())) {
            List<ChatCompletionChunk.Choice.Delta.ToolCall> calls = stream.stream()
                    .flatMap(c -> c.choices().stream())
                    .flatMap(c -> c.delta().toolCalls().orElse(List.of()).stream())
                    .toList();
            calls.forEach(c -> c.function().flatMap(f -> f.arguments()).ifPresent(arguments::append));
            names = calls.stream()
                    .flatMap(c -> c.function().flatMap(f -> f.name()).stream())
                    .toList();
        }

        assertThat(names).containsExactly("get_weather");
        assertThat(arguments.toString()).isEqualTo("{\"city\":\"Paris\"}");
    }

    /** The SDK's own class-to-schema path: a strict json_schema upstream, and the answer parsed back into the class. */
    @Test
    void theJavaSdksStructuredOutputsReachTheBackendStrictAndParse() {
        large.reply(prompt -> "{\"city\":\"Paris\",\"degrees\":21}");

        StructuredChatCompletion<Weather> completion = client().chat()
                .completions()
                .create(StructuredChatCompletionCreateParams.<Weather>builder()
                        .model("large")
                        .addUserMessage("Weather in Paris as JSON?")
                        .responseFormat(Weather.class)
                        .build());

        Weather weather = completion.choices().getFirst().message().content().orElseThrow();
        assertThat(weather.city).isEqualTo("Paris");
        assertThat(weather.degrees).isEqualTo(21);
        JsonNode format =
                JsonMapper.shared().readTree(large.requestBodies().getLast()).path("response_format");
        assertThat(format.path("type").asString()).isEqualTo("json_schema");
        assertThat(format.path("json_schema").path("strict").asBoolean()).isTrue();
        assertThat(format.path("json_schema").path("schema").path("required").toString())
                .isEqualTo("[\"city\",\"degrees\"]");
    }

    /** What {@code responseFormat(Class)} derives its schema from; public fields, as the SDK's examples use. */
    public static final class Weather {
        public String city;
        public int degrees;
    }

    /** n = 2 streamed through a checked lower tier: the answer is replayed, and the accumulator sees all of it. */
    @Test
    void theJavaSdksAccumulatorAssemblesEveryChoiceAndTheUsageOfAStream() {
        ChatCompletion completion = streamedWithUsage(ChatCompletionCreateParams.builder()
                .model("ponder/verified")
                .addUserMessage("Count to two")
                .n(2)
                .build());
        assertThat(completion.choices())
                .extracting(c -> c.message().content().orElseThrow())
                .containsExactly("Large says: Count to two", "Large says: Count to two");
        assertThat(completion.choices())
                .extracting(c -> c.finishReason().asString())
                .containsExactly("stop", "stop");
        assertThat(completion.usage().orElseThrow().completionTokens()).isPositive();
    }

    @Test
    void theJavaSdkReadsTheRequestIdOfAnAnswer() {
        HttpResponseFor<ChatCompletion> raw = client().chat()
                .completions()
                .withRawResponse()
                .create(ChatCompletionCreateParams.builder()
                        .model("ponder")
                        .addUserMessage("Which request was this?")
                        .build());

        assertThat(raw.requestId()).hasValue(raw.parse().id());
        assertThat(raw.headers().values("x-ponder-request-id"))
                .containsExactly(raw.parse().id());
    }

    @Test
    void theJavaSdkRetrievesTheModelsItLists() {
        List<String> listed =
                client().models().list().data().stream().map(Model::id).toList();

        assertThat(listed).contains("ponder", "large");
        assertThat(client().models().retrieve("large").id()).isEqualTo("large");
        assertThatThrownBy(() -> client().models().retrieve("gpt-9"))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.code()).contains("model_not_found");
                    assertThat(e.param()).contains("model");
                });
    }

    @Test
    void theJavaSdkRetrievesAPolicyWhoseIdHasASlash() {
        // The SDK sends the id as one path segment, its slash escaped: GET /v1/models/ponder%2Fhard.
        assertThat(client().models().retrieve("ponder/hard").id()).isEqualTo("ponder/hard");
        JsonNode asSent = JsonMapper.shared()
                .readTree(get("/v1/models/ponder/nope").body())
                .path("error");
        assertThatThrownBy(() -> client().models().retrieve("ponder/nope"))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.code()).contains("model_not_found");
                    assertThat(e.param()).contains("model");
                    assertThat(e.getMessage()).contains(asSent.path("message").asString());
                });
        assertThat(asSent.path("code").asString()).isEqualTo("model_not_found");
    }

    @Test
    void langChain4jsChatModelWorksUnmodified() {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(baseUrl())
                .apiKey("unused-in-open-mode")
                .modelName("ponder")
                .maxRetries(0)
                .build();

        assertThat(model.chat("Hello from LangChain4j")).isEqualTo("Small says: Hello from LangChain4j");

        weatherToolCalls();
        ChatResponse tools = OpenAiChatModel.builder()
                .baseUrl(baseUrl())
                .apiKey("unused-in-open-mode")
                .modelName("large")
                .maxRetries(0)
                .build()
                .chat(ChatRequest.builder()
                        .messages(UserMessage.from("Weather in Paris?"))
                        .toolSpecifications(ToolSpecification.builder()
                                .name("get_weather")
                                .parameters(JsonObjectSchema.builder()
                                        .addStringProperty("city")
                                        .build())
                                .build())
                        .build());
        assertThat(tools.aiMessage().toolExecutionRequests()).singleElement().satisfies(call -> {
            assertThat(call.name()).isEqualTo("get_weather");
            assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
        });
    }

    @Test
    void langChain4jsStreamingChatModelWorksUnmodified() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
                .baseUrl(baseUrl())
                .apiKey("unused-in-open-mode")
                .modelName("ponder")
                .build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        model.chat("Stream to LangChain4j", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(30, TimeUnit.SECONDS);

        assertThat(partial.toString()).isEqualTo("Small says: Stream to LangChain4j");
        assertThat(response.aiMessage().text()).isEqualTo(partial.toString());
    }

    @Test
    void theNpmOpenAiPackageWorksUnmodified() throws Exception {
        assumeTrue(run(List.of("node", "--version"), 10) != null, "node is not installed: npm client test skipped");
        Path modules = NPM_DIR.resolve("node_modules");
        if (!Files.isDirectory(modules.resolve("openai"))) {
            Files.createDirectories(NPM_DIR);
            run(
                    List.of(
                            "npm",
                            "install",
                            "--prefix",
                            NPM_DIR.toString(),
                            "--no-audit",
                            "--no-fund",
                            "--loglevel=error",
                            NPM_OPENAI),
                    180);
        }
        assumeTrue(
                Files.isDirectory(modules.resolve("openai")),
                "the npm package " + NPM_OPENAI + " is not installed in " + NPM_DIR + " and npm could not install it:"
                        + " npm client test skipped");
        weatherToolCalls();
        Path script = Path.of("src", "test", "resources", "conformance", "openai-node.mjs");

        String out =
                run(List.of("node", script.toString(), modules.toAbsolutePath().toString(), baseUrl()), 60);

        assertThat(out).as("node's output").isNotNull();
        JsonNode seen =
                JsonMapper.shared().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(seen.path("text").asString()).isEqualTo("Small says: Hello from node");
        assertThat(seen.path("requestId").asString()).isEqualTo(seen.path("id").asString());
        assertThat(seen.path("retrievedModel").asString()).isEqualTo("large");
        assertThat(seen.path("retrievedPolicy").asString()).isEqualTo("ponder/hard");
        assertThat(seen.path("unknownPolicy").path("status").asInt()).isEqualTo(404);
        assertThat(seen.path("unknownPolicy").path("code").asString()).isEqualTo("model_not_found");
        assertThat(seen.path("streamed").asString()).isEqualTo("Small says: Stream to node");
        assertThat(seen.path("totalTokens").asInt()).isPositive();
        assertThat(seen.path("toolName").asString()).isEqualTo("get_weather");
        assertThat(seen.path("toolArguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(seen.path("unknownModelStatus").asInt()).isEqualTo(404);
    }

    /** Runs a command; its stdout, or null when it cannot start, fails or overruns. */
    private static String run(List<String> command, int timeoutSeconds) throws InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            return null;
        }
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return null;
        }
        return process.exitValue() == 0 ? stdout.join() : null;
    }
}
