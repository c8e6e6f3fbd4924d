package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Trail;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.gateway.outcomes.Outcome;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.SharedBudgets;
import dev.ponder.router.RouterModel;
import dev.ponder.router.eval.OutcomeFile;
import dev.ponder.router.eval.OutcomeRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The learning loop on the real stack: traffic through the bundled replay backends (RouterBench answers), shadow
 * sampling of every cheap answer to the top tier, labels in PostgreSQL, the retraining job, a promoted version that
 * the running gateway picks up and routes with, a rollback; and feedback from clients.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LearningLoopTest {

    private static final Path DEMO = Path.of("src/main/resources/ponder/demo/routerbench-sample.jsonl");
    private static final String ADMIN_TOKEN = "admin-token-for-tests";
    private static final JsonMapper json = JsonMapper.shared();
    private static List<OutcomeRow> demo;

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    DataSource dataSource;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    RouterModels models;

    @Autowired
    RetrainJob retrain;

    @Autowired
    Routes routes;

    @Autowired
    SharedBudgets budgets;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        TestDatabase.register(registry);
        registry.add("ponder.security.open-mode", () -> "true");
        registry.add("ponder.security.admin.token", () -> ADMIN_TOKEN);
        Path journal = Files.createTempDirectory("ponder-journal");
        registry.add("ponder.outcomes.journal.dir", journal::toString);
        // No ponder.backends: the bundled replay backends answer with RouterBench's recorded answers.
        registry.add("ponder.policies.default.tiers", () -> "small,large");
        registry.add("ponder.policies.default.thresholds", () -> "1.0");
        registry.add("ponder.learning.shadow.rate", () -> "1.0");
        registry.add("ponder.learning.reload-interval", () -> "PT0.2S");
        registry.add("ponder.learning.retrain.margin", () -> "-1");
        registry.add("ponder.learning.retrain.min-holdout", () -> "0");
        registry.add("ponder.learning.retrain.features", () -> "lexical,ngrams:12");
        // Three tiers: the bundled model's median score on the traffic splits it between the two lower ones.
        registry.add("ponder.policies.three.tiers", () -> "small,medium,large");
        double[] scores = demoRows().subList(0, 60).stream()
                .mapToDouble(r -> RouterModel.loadDefault().difficulty(r.prompt()))
                .sorted()
                .toArray();
        registry.add("ponder.policies.three.thresholds", () -> scores[scores.length / 2] + ",1.0");
    }

    @BeforeAll
    static void readDemo() throws IOException {
        demo = demoRows();
    }

    private static List<OutcomeRow> demoRows() throws IOException {
        return OutcomeFile.read(DEMO).stream()
                .filter(r -> !r.source().contains("mbpp"))
                .toList();
    }

    @Test
    void shadowLabelsTrainAVersionThatIsPromotedRoutedWithAndRolledBack() throws Exception {
        List<Double> configuredThree = routes.policies().get("three").thresholds();
        for (OutcomeRow row : demo.subList(0, 60)) {
            assertThat(chat(row.prompt()).statusCode()).isEqualTo(200);
            assertThat(chat("ponder/three", row.prompt()).statusCode()).isEqualTo(200);
        }
        LoopHttp.await(() -> count("SELECT count(*) FROM labels WHERE source = 'shadow'") >= 100, "shadow labels");
        Map<String, Object> label = jdbc.queryForMap("SELECT * FROM labels WHERE source = 'shadow' LIMIT 1");
        assertThat(label)
                .containsEntry("model", "mistralai/mistral-7b-chat")
                .containsEntry("reference_model", "gpt-4-1106-preview")
                .containsEntry("judge", "exact");

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RetrainJob.Result result = retrain.run(new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(result).as(log.toString(StandardCharsets.UTF_8)).isEqualTo(RetrainJob.Result.PROMOTED);
        System.out.print(log.toString(StandardCharsets.UTF_8));
        Map<String, Object> stored = jdbc.queryForMap(
                "SELECT version, metrics::text AS metrics, logprob_weights FROM router_models WHERE status = 'active'");
        String version = (String) stored.get("version");
        JsonNode metrics = json.readTree((String) stored.get("metrics"));
        assertThat(metrics.path("candidate").path("n").asInt()).isPositive();
        assertThat(metrics.path("logprobs").path("source").asString())
                .as("no backend returns logprobs here, so the prior stays")
                .isEqualTo("prior");
        assertThat(stored.get("logprob_weights")).isNull();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("logprob signal: kept the prior");
        JsonNode three = metrics.path("calibration").path("three").path("tiers");
        assertThat(three).hasSize(2);
        assertThat(three)
                .as("both lower tiers of the three-tier policy calibrated on their own shadow labels")
                .allSatisfy(t -> {
                    assertThat(t.path("calibrated").asBoolean()).isTrue();
                    assertThat(t.path("rows").asInt()).isPositive();
                });
        assertThat(jdbc.queryForObject(
                        "SELECT status FROM training_runs WHERE model_version = ?", String.class, version))
                .isEqualTo("promoted");

        LoopHttp.await(() -> version.equals(models.currentVersion()), "the gateway to load " + version);
        JsonNode calibrated = json.readTree(jdbc.queryForObject(
                "SELECT thresholds::text FROM router_models WHERE version = ?", String.class, version));
        assertThat(routes.policies().get("default").thresholds())
                .as("the thresholds calibrated for the promoted model")
                .containsExactly(calibrated.path("default").get(0).doubleValue());
        assertThat(routes.policies().get("three").thresholds())
                .as("every threshold of the three-tier policy, as calibrated")
                .containsExactly(
                        three.get(0).path("threshold").doubleValue(),
                        three.get(1).path("threshold").doubleValue())
                .containsExactly(
                        calibrated.path("three").get(0).doubleValue(),
                        calibrated.path("three").get(1).doubleValue());
        RouterModel promoted = models.current();
        String prompt = demo.get(100).prompt();
        HttpResponse<String> routed = chat(prompt);
        assertThat(routed.statusCode()).isEqualTo(200);
        assertThat(Double.parseDouble(
                        routed.headers().firstValue("x-ponder-score").orElseThrow()))
                .isCloseTo(promoted.difficulty(prompt), org.assertj.core.api.Assertions.within(1e-4));
        assertThat(admin("GET", "/admin/api/router").path("active").asString()).isEqualTo(version);

        JsonNode rollback = admin("POST", "/admin/api/router/versions/bundled/activate");

        assertThat(rollback.path("active").asString()).isEqualTo(RouterModels.BUNDLED);
        assertThat(Double.parseDouble(
                        chat(prompt).headers().firstValue("x-ponder-score").orElseThrow()))
                .isCloseTo(RouterModel.loadDefault().difficulty(prompt), org.assertj.core.api.Assertions.within(1e-4));
        assertThat(jdbc.queryForObject("SELECT status FROM router_models WHERE version = ?", String.class, version))
                .isEqualTo("retired");
        assertThat(routes.policies().get("default").thresholds())
                .as("the configured thresholds, back with the bundled model")
                .containsExactly(1.0);
        assertThat(routes.policies().get("three").thresholds()).isEqualTo(configuredThree);
    }

    @Test
    void aCandidateThatDoesNotBeatTheActiveModelByTheMarginWaitsForAHuman() throws Exception {
        for (OutcomeRow row : demo.subList(60, 100)) {
            chat(row.prompt());
        }
        LoopHttp.await(
                () -> count(
                                "SELECT count(*) FROM labels WHERE source = 'shadow' AND prompt = ?",
                                demo.get(99).prompt())
                        > 0,
                "shadow labels");
        String active = models.currentVersion();
        RetrainJob strict = new RetrainJob(
                dataSource,
                jdbc,
                tx,
                models,
                routes,
                new LearningProperties.Retrain(
                        null, null, null, null, 2.0, null, null, 0, "lexical,ngrams:12", 1, null),
                Clock.systemUTC());

        RetrainJob.Result result = strict.run(new PrintStream(new ByteArrayOutputStream()));

        assertThat(result).isEqualTo(RetrainJob.Result.HELD);
        assertThat(jdbc.queryForList("SELECT status FROM router_models ORDER BY created_at DESC LIMIT 1", String.class))
                .containsExactly("candidate");
        assertThat(models.currentVersion()).isEqualTo(active);
    }

    @Test
    void aSecondRetrainWhileOneHoldsTheLockDoesNothing() throws Exception {
        try (Connection other = dataSource.getConnection();
                Statement s = other.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + RetrainJob.LOCK + ")");

            assertThat(retrain.run(new PrintStream(new ByteArrayOutputStream())))
                    .isEqualTo(RetrainJob.Result.BUSY);

            s.execute("SELECT pg_advisory_unlock(" + RetrainJob.LOCK + ")");
        }
    }

    @Test
    void withoutAJudgeBackendALongAnswerIsNotSentToTheTopTierForALabelItCouldNeverGet() {
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        ModelBackend cheap = TestBackends.of("cheap", request -> {
            throw new AssertionError("a shadow sample calls only the top tier");
        });
        ModelBackend top = TestBackends.of("top", request -> {
            asked.add(request.lastUserText());
            return new ChatAnswer("top-1", "B", null, null, null, null, 0.01, null);
        });
        Routes shadowed = TestBackends.twoTiers("p", "cheap", cheap, "top", top);
        ShadowSampler sampler = new ShadowSampler(
                shadowed,
                new Labels(jdbc),
                new Judge(null, null, 40),
                1.0,
                budgets.daily("shadow-without-judge", 1.0),
                Clock.systemUTC(),
                RandomGenerator.getDefault());

        // A code answer: no exact or numeric match can grade it, and no judge backend is set.
        sampler.onOutcome(answeredByTheCheapTier(
                "chatcmpl-long-answer", "Write a function to find the median of three numbers.", """
                        def median(a, b, c):
                            return sorted([a, b, c])[1]"""));
        sampler.onOutcome(answeredByTheCheapTier("chatcmpl-short-answer", "Which palms get warm? A or B?", "B"));
        LoopHttp.await(
                () -> count("SELECT count(*) FROM labels WHERE request_id = 'chatcmpl-short-answer'") == 1,
                "the short answer's shadow label");
        sampler.close();
        jdbc.update("DELETE FROM labels WHERE request_id = 'chatcmpl-short-answer'"); // not for the retrain tests

        assertThat(asked)
                .as("the top tier was asked only for the answer a label could come from")
                .containsExactly("Which palms get warm? A or B?");
    }

    private static Outcome answeredByTheCheapTier(String id, String prompt, String answer) {
        Instant now = Instant.now();
        return new Outcome(
                id,
                now,
                "ponder",
                false,
                200,
                0,
                false,
                "cheap",
                "cheap-1",
                10,
                new Trail("p", 0.2, 0, now, Duration.ofMillis(10), List.of()),
                null,
                prompt,
                answer,
                null);
    }

    @Test
    void feedbackBecomesALabelOfTheModelThatAnswered() {
        HttpResponse<String> answer = chat(demo.get(140).prompt());
        String id = answer.headers().firstValue("x-ponder-request-id").orElseThrow();
        LoopHttp.await(() -> count("SELECT count(*) FROM requests WHERE request_id = ?", id) == 1, "the request row");

        HttpResponse<String> response =
                post("/v1/feedback", "{\"request_id\": \"" + id + "\", \"thumbs\": \"down\", \"comment\": \"wrong\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(jdbc.queryForMap("SELECT score, comment FROM feedback WHERE request_id = ?", id))
                .containsEntry("score", 0.0)
                .containsEntry("comment", "wrong");
        assertThat(jdbc.queryForMap(
                        "SELECT model, score, judge FROM labels WHERE request_id = ? AND source = 'feedback'", id))
                .containsEntry("score", 0.0)
                .containsEntry("judge", "user");
    }

    @Test
    void feedbackOnAnUnknownRequestIs404InOpenAisErrorFormat() {
        HttpResponse<String> response = post("/v1/feedback", "{\"request_id\": \"chatcmpl-nope\", \"score\": 0.5}");

        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode error = json.readTree(response.body()).path("error");
        assertThat(error.path("param").asString()).isEqualTo("request_id");
        assertThat(error.path("code").asString()).isEqualTo("request_not_found");
    }

    @Test
    void aScoreOutsideZeroToOneIsRejectedNamingTheField() {
        HttpResponse<String> response = post("/v1/feedback", "{\"request_id\": \"chatcmpl-x\", \"score\": 1.5}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).path("error").path("param").asString())
                .isEqualTo("score");
    }

    private HttpResponse<String> chat(String prompt) {
        return chat("ponder", prompt);
    }

    private HttpResponse<String> chat(String model, String prompt) {
        return new LoopHttp(port).chat(model, prompt);
    }

    private HttpResponse<String> post(String path, String body) {
        return new LoopHttp(port).post(path, body);
    }

    private JsonNode admin(String method, String path) {
        HttpResponse<String> response = LoopHttp.send(new LoopHttp(port)
                .request(path)
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }
}
