package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.LogprobConfidence;
import dev.ponder.cascade.TokenLogprob;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.providers.testing.FakeOpenAiServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The logprob signal learns from the log: a cheap OpenAI-protocol tier that returns token logprobs (the fake
 * server's logprobs fall with each token, so a longer answer looks less sure), clients' feedback saying its short
 * answers are right and its longer ones wrong, the retraining job, and a gateway that, once it loads the version,
 * escalates a longer answer the hand-set prior accepted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LogprobLearningTest {

    private static final FakeOpenAiServer small = FakeOpenAiServer.start();
    private static final FakeOpenAiServer large = FakeOpenAiServer.start();
    private static final JsonMapper json = JsonMapper.shared();

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    RouterModels models;

    @Autowired
    RetrainJob retrain;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        TestDatabase.register(registry);
        registry.add("ponder.security.open-mode", () -> "true");
        registry.add("ponder.outcomes.journal.dir", () -> tempDir().toString());
        for (var backend : Map.of("small", small, "large", large).entrySet()) {
            String prefix = "ponder.backends." + backend.getKey();
            registry.add(prefix + ".type", () -> "openai");
            registry.add(prefix + ".base-url", backend.getValue()::baseUrl);
            registry.add(prefix + ".api-key", () -> "sk-test");
            registry.add(prefix + ".model", () -> backend.getKey() + "-model");
        }
        registry.add("ponder.policies.default.tiers", () -> "small,large");
        registry.add("ponder.policies.default.thresholds", () -> "1.0");
        registry.add("ponder.policies.default.signals.logprobs", () -> "0.5");
        registry.add("ponder.learning.reload-interval", () -> "PT0.2S");
        registry.add(
                "ponder.learning.retrain.seed-data", () -> "src/main/resources/ponder/demo/routerbench-sample.jsonl");
        registry.add("ponder.learning.retrain.margin", () -> "-1");
        registry.add("ponder.learning.retrain.features", () -> "lexical,ngrams:12");
        registry.add("ponder.learning.retrain.epochs", () -> "1");
        registry.add("ponder.learning.retrain.min-logprob-labels", () -> "20");
    }

    private static java.nio.file.Path tempDir() {
        try {
            return Files.createTempDirectory("ponder-journal");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void answers() {
        // "short-N" gets 2 to 5 words, "long-N" 10 to 14: the fake server's token logprobs are -0.05, -0.10, ...
        small.reply(prompt -> words(prompt.startsWith("short") ? 2 + prompt.length() % 4 : 10 + prompt.length() % 5));
        large.reply(prompt -> "Large says: " + prompt);
    }

    @Test
    void feedbackOnAnswersWithLogprobsTeachesTheSignalAndTheGatewayEscalatesWhatThePriorAccepted() throws Exception {
        assertThat(chat("long-probe-before").headers().firstValue("x-ponder-tier"))
                .as("the prior trusts a 12-word answer whose worst token has probability 0.55")
                .contains("small");

        List<String> good = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        IntStream.range(0, 20).forEach(i -> {
            good.add(id(chat("short-" + i)));
            bad.add(id(chat("long-" + i)));
        });
        for (List<String> ids : List.of(good, bad)) {
            for (String id : ids) {
                LoopHttp.await(
                        () -> count("SELECT count(*) FROM requests WHERE request_id = ?", id) == 1, "request " + id);
                String thumbs = ids == good ? "up" : "down";
                HttpResponse<String> feedback =
                        post("/v1/feedback", "{\"request_id\": \"" + id + "\", \"thumbs\": \"" + thumbs + "\"}");
                assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(200);
            }
        }

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RetrainJob.Result result = retrain.run(new PrintStream(log, true, StandardCharsets.UTF_8));

        String output = log.toString(StandardCharsets.UTF_8);
        System.out.print(output);
        assertThat(result).as(output).isEqualTo(RetrainJob.Result.PROMOTED);
        assertThat(output).contains("logprob signal: fitted on 28 labelled attempts (seed 42), 12 held out");
        Map<String, Object> stored = jdbc.queryForMap("""
                SELECT version, metrics::text AS metrics, logprob_weights::text AS weights
                FROM router_models WHERE status = 'active'""");
        JsonNode metrics = json.readTree((String) stored.get("metrics")).path("logprobs");
        assertThat(metrics.path("source").asString()).isEqualTo("fitted");
        assertThat(metrics.path("labelled_attempts").asInt()).isEqualTo(40);
        assertThat(metrics.path("held_out_log_loss_fitted").asDouble())
                .isLessThan(metrics.path("held_out_log_loss_prior").asDouble());
        LogprobConfidence fitted =
                new LogprobConfidence(json.readValue((String) stored.get("weights"), double[].class));
        assertThat(fitted.weights()).isNotEqualTo(LogprobConfidence.PRIOR.weights());
        List<TokenLogprob> shortAnswer = fakeLogprobs(3);
        List<TokenLogprob> longAnswer = fakeLogprobs(12);
        assertThat(fitted.confidence(shortAnswer))
                .as("short answers were right: more confidence than the prior's")
                .isGreaterThan(LogprobConfidence.PRIOR.confidence(shortAnswer));
        assertThat(fitted.confidence(longAnswer))
                .as("longer answers were wrong: less confidence than the prior's, below the policy's 0.5")
                .isLessThan(LogprobConfidence.PRIOR.confidence(longAnswer))
                .isLessThan(0.5);

        String version = (String) stored.get("version");
        LoopHttp.await(() -> version.equals(models.currentVersion()), "the gateway to load " + version);
        HttpResponse<String> after = chat("long-probe-after");

        assertThat(after.headers().firstValue("x-ponder-tier"))
                .as("the same kind of answer now climbs")
                .contains("large");
        String id = id(after);
        Map<String, Object> doubted = awaitRowOf(
                "SELECT verdict, (signals->>'logprobs')::float AS confidence FROM attempts"
                        + " WHERE request_id = ? AND seq = 0",
                id);
        assertThat(doubted).containsEntry("verdict", "escalated");
        assertThat((Double) doubted.get("confidence")).isLessThan(0.5);
    }

    /** The fake server's logprobs for an answer of {@code n} words: -0.05 for the first, -0.10, and so on. */
    private static List<TokenLogprob> fakeLogprobs(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> new TokenLogprob("w", -0.05 * (i + 1)))
                .toList();
    }

    private static String words(int n) {
        return String.join(" ", java.util.Collections.nCopies(n, "word"));
    }

    private static String id(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("x-ponder-request-id").orElseThrow();
    }

    private HttpResponse<String> chat(String prompt) {
        return new LoopHttp(port).chat("ponder", prompt);
    }

    private HttpResponse<String> post(String path, String body) {
        return new LoopHttp(port).post(path, body);
    }

    private long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }

    private Map<String, Object> awaitRowOf(String sql, String id) {
        LoopHttp.await(() -> !jdbc.queryForList(sql, id).isEmpty(), "a row for " + id);
        return jdbc.queryForMap(sql, id);
    }
}
