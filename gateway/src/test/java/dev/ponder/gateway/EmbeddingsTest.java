package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/** {@code /v1/embeddings} goes to the configured embedding backend, with no cascade, in OpenAI's format. */
class EmbeddingsTest extends GatewayTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    private static final FakeEmbeddingServer embedder = FakeEmbeddingServer.start();
    private static final FakeEmbeddingServer silent = FakeEmbeddingServer.withoutUsage();

    @DynamicPropertySource
    static void embeddingBackend(DynamicPropertyRegistry registry) {
        registry.add("ponder.embeddings.backends.embed.type", () -> "openai");
        registry.add("ponder.embeddings.backends.embed.base-url", embedder::baseUrl);
        registry.add("ponder.embeddings.backends.embed.model", () -> "text-embedding-3-small");
        registry.add("ponder.embeddings.backends.embed.price.input", () -> "1000");
        registry.add("ponder.embeddings.backends.silent.type", () -> "openai");
        registry.add("ponder.embeddings.backends.silent.base-url", silent::baseUrl);
        registry.add("ponder.embeddings.backends.silent.model", () -> "uncounted");
        registry.add("ponder.embeddings.backends.silent.price.input", () -> "1000");
    }

    @AfterAll
    static void stop() {
        embedder.close();
        silent.close();
    }

    /** USD 1,000 per 1M input tokens: a tenth of a cent a token. */
    @Test
    void anEmbeddingSaysWhatItCostAsAChatAnswerDoes() {
        HttpResponse<String> counted =
                post("/v1/embeddings", "application/json", "{\"model\": \"embed\", \"input\": [\"hi\", \"hello\"]}");
        // A server that does not say what it read is counted at about four characters a token, not as free.
        HttpResponse<String> uncounted =
                post("/v1/embeddings", "application/json", "{\"model\": \"silent\", \"input\": \"abcdefgh\"}");

        assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
        assertThat(counted.headers().firstValue("x-ponder-cost-usd")).contains("0.00700000");
        assertThat(uncounted.statusCode()).as(uncounted.body()).isEqualTo(200);
        assertThat(uncounted.headers().firstValue("x-ponder-cost-usd")).contains("0.00200000");
        assertThat(JSON.readTree(uncounted.body())
                        .path("usage")
                        .path("prompt_tokens")
                        .asInt())
                .as("the usage is what the key is charged and the cost header says")
                .isEqualTo(2);
    }

    @Test
    void theJavaSdkGetsOneVectorPerInput() {
        CreateEmbeddingResponse response = client().embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("embed")
                        .inputOfArrayOfStrings(java.util.List.of("hi", "hello"))
                        .build());

        assertThat(response.data()).hasSize(2);
        assertThat(response.data().get(1).embedding()).containsExactly(5f, 0.5f);
        assertThat(response.model()).isEqualTo("text-embedding-3-small");
        assertThat(response.usage().promptTokens()).isEqualTo(7);
        assertThat(client().models().list().data()).extracting(m -> m.id()).contains("embed", "ponder");
    }

    @Test
    void base64IsLittleEndianFloat32AsOpenAiSendsIt() {
        HttpResponse<String> response = post("/v1/embeddings", "application/json", """
                {"model": "text-embedding-3-small", "input": "abc", "encoding_format": "base64"}""");

        assertThat(response.statusCode()).isEqualTo(200);
        byte[] bytes = Base64.getDecoder()
                .decode(JSON.readTree(response.body())
                        .path("data")
                        .path(0)
                        .path("embedding")
                        .asString());
        ByteBuffer floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(floats.getFloat()).isEqualTo(3f);
        assertThat(floats.getFloat()).isEqualTo(0.5f);
    }

    @Test
    void badInputIsRefusedBeforeTheBackend() {
        int before = embedder.calls();

        HttpResponse<String> tokens =
                post("/v1/embeddings", "application/json", "{\"model\": \"embed\", \"input\": [[1, 2]]}");
        HttpResponse<String> unknown =
                post("/v1/embeddings", "application/json", "{\"model\": \"nope\", \"input\": \"x\"}");

        assertThat(tokens.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(tokens.body()).path("error").path("param").asString())
                .isEqualTo("input");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(embedder.calls()).isEqualTo(before);
    }
}
