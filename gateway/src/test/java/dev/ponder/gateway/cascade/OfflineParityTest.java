package dev.ponder.gateway.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.router.cli.RouterCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * End to end = offline: replay backends over the RouterBench test split (three tiers, mistral-7b -> mixtral -> GPT-4)
 * answer the same prompts through the HTTP API that {@code eval --tiers} scores offline, and the gateway reproduces the
 * quality and cost eval computes for the same thresholds. The thresholds come from eval's own sweep ({@code tiers.csv}):
 * the cheapest tuple on its frontier within 95% of always-GPT-4's quality, and the best tuple that uses every tier.
 * The IDK check records abstention without acting on it, as eval's pre-routing does not escalate.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@EnabledIf(
        value = "dataPresent",
        disabledReason = "the shared RouterBench outcomes (../../shared/data/routerbench-arc-mbpp-winogrande.jsonl,"
                + " relative to gateway/) are absent")
class OfflineParityTest {

    static final Path DATA = Path.of("../../shared/data/routerbench-arc-mbpp-winogrande.jsonl");
    static final List<String> MODELS =
            List.of("mistralai/mistral-7b-chat", "mistralai/mixtral-8x7b-chat", "gpt-4-1106-preview");
    static final List<String> TIERS = List.of("mistral", "mixtral", "gpt4");

    @LocalServerPort
    int port;

    static boolean dataPresent() {
        return Files.isRegularFile(DATA);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry);
        // Backends are configured, so keys would be required: this test is about routing, not security.
        registry.add("ponder.security.open-mode", () -> "true");
        for (int t = 0; t < TIERS.size(); t++) {
            String model = MODELS.get(t);
            registry.add("ponder.backends." + TIERS.get(t) + ".type", () -> "replay");
            registry.add("ponder.backends." + TIERS.get(t) + ".model", () -> model);
            registry.add(
                    "ponder.backends." + TIERS.get(t) + ".dataset",
                    () -> Offline.get().subset.toString());
        }
        policy(registry, "frontier", () -> Offline.get().frontier);
        policy(registry, "three-tier", () -> Offline.get().threeTier);
        registry.add("ponder.policies.idk.tiers", () -> String.join(",", TIERS));
        registry.add(
                "ponder.policies.idk.thresholds", () -> Offline.get().frontier.gatewayThresholds());
        registry.add("ponder.policies.idk.signals.abstention", () -> "0.5");
        registry.add("ponder.policies.idk.signals.scorer", () -> "0.7");
        registry.add("ponder.default-policy", () -> "frontier");
    }

    private static void policy(DynamicPropertyRegistry registry, String name, java.util.function.Supplier<Point> p) {
        registry.add("ponder.policies." + name + ".tiers", () -> String.join(",", TIERS));
        registry.add("ponder.policies." + name + ".thresholds", () -> p.get().gatewayThresholds());
        registry.add("ponder.policies." + name + ".signals.abstention", () -> "0");
    }

    @Test
    void theGatewayReproducesEvalsQualityAndCostOnTheFrontierPoint() {
        reproduces("frontier", Offline.get().frontier);
    }

    @Test
    void theGatewayReproducesEvalsQualityAndCostWithEveryTierInUse() {
        reproduces("three-tier", Offline.get().threeTier);
    }

    /**
     * The same thresholds with the answer scorer as IDK signal: mixtral answers it doubts climb to GPT-4. eval does not
     * model escalation, so there is nothing to reproduce; the figures are printed for docs/cascade.md.
     */
    @Test
    void theScorerSignalEscalatesDoubtedAnswersAndPaysForBothCalls() {
        Measured m = measure("idk");
        Offline o = Offline.get();
        print("idk (frontier thresholds, escalate when the answer scorer < 0.7)", m, o);
        assertThat(m.escalations()).isPositive();
        // An escalated request pays for the doubted answer too: the header counts every attempt.
        assertThat(m.headerCost()).isGreaterThan(m.cost());
        assertThat(m.headerCost()).isGreaterThan(o.frontier.cost());
    }

    private void reproduces(String policy, Point offline) {
        Measured m = measure(policy);
        Offline o = Offline.get();
        print(policy + " " + Arrays.toString(offline.thresholds()), m, o);
        int n = o.rows.size();
        // The thresholds are exact, so no row should differ; one row's worth is the margin for floating-point sums.
        assertThat(m.quality()).isCloseTo(offline.quality(), within(1.0 / n + 1e-9));
        assertThat(m.shares()).hasSize(3);
        for (int t = 0; t < 3; t++) {
            assertThat(m.shares()[t]).isCloseTo(offline.shares()[t], within(1.0 / n + 1e-4));
        }
        assertThat(m.cost()).isCloseTo(offline.cost(), within(o.maxRowCost / n + 1e-9));
        assertThat(m.headerCost()).isCloseTo(m.cost(), within(1e-6));
        assertThat(m.escalations()).isZero();
    }

    private Measured measure(String policy) {
        Offline o = Offline.get();
        OpenAIClient client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("unused-in-open-mode")
                .maxRetries(0)
                .build();
        double quality = 0;
        double cost = 0;
        double headerCost = 0;
        int escalations = 0;
        double[] shares = new double[3];
        for (Row row : o.rows) {
            HttpResponseFor<ChatCompletion> response = client.chat()
                    .completions()
                    .withRawResponse()
                    .create(ChatCompletionCreateParams.builder()
                            .model("ponder/" + policy)
                            .addUserMessage(row.prompt())
                            .build());
            ChatCompletion completion = response.parse();
            int tier =
                    TIERS.indexOf(response.headers().values("x-ponder-backend").getFirst());
            assertThat(completion.choices().getFirst().message().content().orElseThrow())
                    .isEqualTo(row.response()[tier]);
            quality += row.score()[tier];
            cost += row.cost()[tier];
            shares[tier] += 1.0 / o.rows.size();
            headerCost += Double.parseDouble(
                    response.headers().values("x-ponder-cost-usd").getFirst());
            escalations += Integer.parseInt(
                    response.headers().values("x-ponder-escalations").getFirst());
        }
        int n = o.rows.size();
        return new Measured(quality / n, cost / n, headerCost / n, shares, escalations);
    }

    private static void print(String what, Measured m, Offline o) {
        System.out.printf(
                Locale.ROOT,
                "[parity] %s on %d prompts: gateway quality %.4f, answering tier's cost/query $%.6f (all attempts,"
                        + " x-ponder-cost-usd: $%.6f), shares %s,"
                        + " escalations %d; always-GPT-4 quality %.4f cost $%.6f%n",
                what,
                o.rows.size(),
                m.quality(),
                m.cost(),
                m.headerCost(),
                Arrays.toString(m.shares()),
                m.escalations(),
                o.top.quality(),
                o.top.cost());
    }

    record Measured(double quality, double cost, double headerCost, double[] shares, int escalations) {}

    /** One prompt and, per tier, the recorded answer, its score and its cost. */
    record Row(String prompt, String[] response, double[] score, double[] cost) {}

    /** One threshold tuple of eval's sweep; -1 means "no row starts at this tier". */
    record Point(double[] thresholds, double[] shares, double quality, double cost, boolean frontier) {

        /**
         * The same tuple as a policy's thresholds. eval writes them at full precision (its grid holds real scores), so
         * every row lands on the same side as in eval, however densely the scores cluster around a threshold.
         */
        String gatewayThresholds() {
            return Arrays.stream(thresholds)
                    .mapToObj(t -> t < 0 ? "0" : Double.toString(t))
                    .collect(Collectors.joining(","));
        }
    }

    /**
     * What {@code RouterCli eval --tiers} says about every third row of the test split (a few hundred prompts), run
     * once per test JVM. The rows go to a temporary file that the replay backends read too.
     */
    static final class Offline {
        private static Offline instance;

        final Path subset;
        final List<Row> rows;
        final Point top;
        final Point frontier;
        final Point threeTier;
        final double maxRowCost;

        static synchronized Offline get() {
            if (instance == null) {
                try {
                    instance = new Offline();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return instance;
        }

        private Offline() throws IOException {
            JsonMapper json = JsonMapper.shared();
            Path dir = Files.createTempDirectory("ponder-parity");
            subset = dir.resolve("routerbench-test-every-3rd.jsonl");
            List<String> lines = new ArrayList<>();
            rows = new ArrayList<>();
            int testRow = 0;
            for (String line : Files.readAllLines(DATA)) {
                JsonNode node = json.readTree(line);
                if (!node.path("split").asString("").equals("test") || testRow++ % 3 != 0 || !hasAll(node)) {
                    continue;
                }
                lines.add(line);
                rows.add(row(node));
            }
            Files.write(subset, lines);
            maxRowCost = rows.stream()
                    .flatMapToDouble(r -> Arrays.stream(r.cost()))
                    .max()
                    .orElseThrow();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Path evalDir = dir.resolve("eval");
            String[] args = {
                "eval",
                "--data",
                subset.toString(),
                "--weak",
                MODELS.getFirst(),
                "--strong",
                MODELS.getLast(),
                "--tiers",
                String.join(",", MODELS),
                "--out",
                evalDir.toString()
            };
            int code = RouterCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            if (code != 0) {
                throw new IllegalStateException("eval exited with " + code + ": " + out);
            }
            List<Point> points = points(Files.readAllLines(evalDir.resolve("tiers.csv")));
            top = points.stream()
                    .filter(p -> p.thresholds()[0] < 0 && p.thresholds()[1] < 0)
                    .findFirst()
                    .orElseThrow();
            frontier = points.stream()
                    .filter(p -> p.frontier() && p.quality() >= 0.95 * top.quality())
                    .min(Comparator.comparingDouble(Point::cost))
                    .orElseThrow();
            threeTier = points.stream()
                    .filter(p -> Arrays.stream(p.shares()).allMatch(s -> s >= 0.1))
                    .max(Comparator.comparingDouble(Point::quality)
                            .thenComparing(
                                    Comparator.comparingDouble(Point::cost).reversed()))
                    .orElseThrow();
            System.out.println("[parity] eval " + String.join(" ", args) + "\n" + out);
        }

        private static boolean hasAll(JsonNode node) {
            return MODELS.stream()
                    .allMatch(m -> node.path("outcomes").path(m).has("score")
                            && node.path("outcomes").path(m).path("response").isString()
                            && node.path("outcomes").path(m).path("cost_usd").isNumber());
        }

        private static Row row(JsonNode node) {
            String[] response = new String[MODELS.size()];
            double[] score = new double[MODELS.size()];
            double[] cost = new double[MODELS.size()];
            for (int t = 0; t < MODELS.size(); t++) {
                JsonNode outcome = node.path("outcomes").path(MODELS.get(t));
                response[t] = outcome.path("response").asString();
                score[t] = outcome.path("score").asDouble();
                cost[t] = outcome.path("cost_usd").asDouble();
            }
            return new Row(node.path("prompt").asString(), response, score, cost);
        }

        private static final Pattern CSV = Pattern.compile("\"([^\"]*)\",\"([^\"]*)\",([^,]+),([^,]+),(true|false)");

        private static List<Point> points(List<String> csv) {
            List<Point> points = new ArrayList<>();
            for (String line : csv.subList(1, csv.size())) {
                Matcher m = CSV.matcher(line);
                if (!m.matches()) {
                    throw new IllegalStateException("unexpected tiers.csv line: " + line);
                }
                points.add(new Point(
                        numbers(m.group(1)),
                        numbers(m.group(2)),
                        Double.parseDouble(m.group(3)),
                        Double.parseDouble(m.group(4)),
                        Boolean.parseBoolean(m.group(5))));
            }
            return points;
        }

        private static double[] numbers(String spaced) {
            return Arrays.stream(spaced.split(" "))
                    .mapToDouble(Double::parseDouble)
                    .toArray();
        }
    }
}
