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

    @DynamicPropertySource
    static void embeddingBackend(DynamicPropertyRegistry registry) {
        registry.add("ponder.embeddings.backends.embed.type", () -> "openai");
        registry.add("ponder.embeddings.backends.embed.base-url", embedder::baseUrl);
        registry.add("ponder.embeddings.backends.embed.model", () -> "text-embedding-3-small");
    }

    @AfterAll
    static void stop() {
        embedder.close();
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
