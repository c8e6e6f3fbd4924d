package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** With nothing configured, Ponder runs its own PostgreSQL and answers from the bundled replay dataset. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EmbeddedDefaultTest {

    @TempDir
    static Path home;

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("ponder.embedded.data-dir", () -> home.resolve("pgdata").toString());
    }

    @Test
    void answersABundledPromptWithItsRecordedResponseAndKeepsTheDataUnderItsDataDir() throws IOException {
        JsonNode row = firstDemoRow();
        String prompt = row.path("prompt").asString();

        ChatCompletion completion = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("none")
                .build()
                .chat()
                .completions()
                .create(ChatCompletionCreateParams.builder()
                        .model("ponder")
                        .addUserMessage(prompt)
                        .build());

        String model = completion.model();
        assertThat(row.path("outcomes").has(model))
                .as("answered as one of the recorded models")
                .isTrue();
        assertThat(completion.choices().getFirst().message().content().orElseThrow())
                .contains(row.path("outcomes")
                        .path(model)
                        .path("response")
                        .asString()
                        .strip());
        assertThat(Files.exists(home.resolve("pgdata").resolve("PG_VERSION"))).isTrue();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM flyway_schema_history WHERE success", Integer.class))
                .isPositive();
    }

    private static JsonNode firstDemoRow() throws IOException {
        try (var in = EmbeddedDefaultTest.class.getResourceAsStream("/ponder/demo/routerbench-sample.jsonl");
                var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return JsonMapper.builder().build().readTree(reader.readLine());
        }
    }
}
