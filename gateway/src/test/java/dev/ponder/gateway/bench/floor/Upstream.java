package dev.ponder.gateway.bench.floor;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;

/** The one upstream call of a floor application: a non-streamed chat completion of the mock model. */
sealed interface Upstream {

    Completions.Answer complete(String prompt);

    /**
     * HTTP/1.1 with a virtual thread per task, as Ponder's JDK client had: with the default executor, a cached pool of
     * platform threads, a stall of the shared machine left hundreds of them.
     */
    private static HttpClient.Builder jdkClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor());
    }

    /**
     * Through LangChain4j's {@code OpenAiChatModel}, built the simplest way: its default HTTP client (the JDK's), only
     * given the JDK client of {@link #jdkClient}.
     */
    record LangChain4j(ChatModel model) implements Upstream {

        static LangChain4j of(String baseUrl, String apiKey, String modelName) {
            return new LangChain4j(OpenAiChatModel.builder()
                    .httpClientBuilder(JdkHttpClient.builder().httpClientBuilder(jdkClient()))
                    .baseUrl(baseUrl)
                    .apiKey(apiKey)
                    .modelName(modelName)
                    .build());
        }

        @Override
        public Completions.Answer complete(String prompt) {
            ChatResponse response = model.chat(
                    ChatRequest.builder().messages(UserMessage.from(prompt)).build());
            return new Completions.Answer(
                    response.modelName(),
                    response.aiMessage().text(),
                    response.tokenUsage().inputTokenCount(),
                    response.tokenUsage().outputTokenCount());
        }
    }

    /** Straight through the JDK {@code HttpClient}, with Jackson 3 on both sides: no LangChain4j. */
    record Jdk(HttpClient http, URI uri, String apiKey, String modelName) implements Upstream {

        static Jdk of(String baseUrl, String apiKey, String modelName) {
            return new Jdk(jdkClient().build(), URI.create(baseUrl + "/chat/completions"), apiKey, modelName);
        }

        @Override
        public Completions.Answer complete(String prompt) {
            var body = Completions.JSON.createObjectNode().put("model", modelName);
            body.putArray("messages").addObject().put("role", "user").put("content", prompt);
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + apiKey)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Completions.JSON.writeValueAsBytes(body)))
                    .build();
            try {
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("upstream answered " + response.statusCode());
                }
                JsonNode completion = Completions.JSON.readTree(response.body());
                JsonNode usage = completion.path("usage");
                return new Completions.Answer(
                        completion.path("model").asString(),
                        completion
                                .path("choices")
                                .path(0)
                                .path("message")
                                .path("content")
                                .asString(),
                        usage.path("prompt_tokens").asInt(),
                        usage.path("completion_tokens").asInt());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while calling upstream", e);
            }
        }
    }
}
