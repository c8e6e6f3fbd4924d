package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.gateway.FakeEmbeddingServer;
import dev.ponder.gateway.GatewayTest;
import dev.ponder.gateway.TestDatabase;
import dev.ponder.providers.testing.FakeOllamaServer;
import dev.ponder.providers.testing.FakeOpenAiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A gateway with keys required, in front of a free local backend ({@code small}) and a paid one ({@code large}),
 * and two embedding backends, {@code embed} (USD 1,000 per 1M input tokens: a tenth of a cent a token) and
 * {@code free-embed}. The clock stands still mid-minute, so that rate-limit windows cannot roll over during a test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class SecurityTest {

    /** The upstream API key {@link GatewayTest#backendsAndPolicies} configures for {@code large}. */
    static final String UPSTREAM_KEY = "sk-upstream-secret";

    static final String ADMIN_PASSWORD = "planted-admin-password-51c2";
    static final String ADMIN_TOKEN = "planted-admin-token-0d8e44b1";
    static final String KEY_SECRET = "planted-key-secret-9e1b7c5a44";
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(20);

    static final FakeOllamaServer small = FakeOllamaServer.start();
    static final FakeOpenAiServer large = FakeOpenAiServer.start();
    static final FakeEmbeddingServer embedder = FakeEmbeddingServer.start();
    private static final JsonMapper json = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @TestConfiguration
    static class StillClock {
        @Bean
        @Primary
        Clock stillClock() {
            return Clock.fixed(NOW, ZoneOffset.UTC);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry);
        registry.add("ponder.security.open-mode", () -> "false");
        registry.add("ponder.security.key-secret", () -> KEY_SECRET);
        registry.add("ponder.security.admin.password", () -> ADMIN_PASSWORD);
        registry.add("ponder.security.admin.token", () -> ADMIN_TOKEN);
        registry.add("ponder.security.policies.fallback.free-tiers-when-over-budget", () -> "true");
        GatewayTest.backendsAndPolicies(registry, small, large);
        registry.add("ponder.policies.fallback.tiers", () -> "small,large");
        registry.add("ponder.policies.fallback.thresholds", () -> "0.0");
        registry.add("ponder.embeddings.backends.embed.type", () -> "openai");
        registry.add("ponder.embeddings.backends.embed.base-url", embedder::baseUrl);
        registry.add("ponder.embeddings.backends.embed.model", () -> "text-embedding-3-small");
        registry.add("ponder.embeddings.backends.embed.price.input", () -> "1000");
        registry.add("ponder.embeddings.backends.free-embed.type", () -> "openai");
        registry.add("ponder.embeddings.backends.free-embed.base-url", embedder::baseUrl);
        registry.add("ponder.embeddings.backends.free-embed.model", () -> "nomic-embed-text");
    }

    @BeforeAll
    static void answers() {
        small.reply(prompt -> "Small says: " + prompt);
        large.reply(prompt -> "Large says: " + prompt);
    }

    // --- rejections on /v1 -------------------------------------------------------------------------------------

    @Test
    void aRequestWithoutAKeyIsRefusedWith401InOpenAisFormat() {
        HttpResponse<String> response = chat(null, "ponder", "hello");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(error(response).path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error(response).path("message").asString()).contains("didn't provide an API key");
        // The id names it in the logs; nothing was routed, so it has no row in the outcome log.
        assertThat(response.headers().firstValue("x-ponder-request-id")).hasValueSatisfying(id -> assertThat(
                        jdbc.queryForObject("SELECT count(*) FROM requests WHERE request_id = ?", Long.class, id))
                .isZero());
    }

    @Test
    void aWrongKeyIsRefusedWith401() {
        HttpResponse<String> response = chat("pk-not-a-key-of-this-gateway", "ponder", "hello");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(error(response).path("code").asString()).isEqualTo("invalid_api_key");
        assertThat(response.body()).doesNotContain("pk-not-a-key");
    }

    @Test
    void aRevokedKeyIsRefusedWith401() {
        Map<String, Object> key = createKey(Map.of("name", "to revoke", "owner", "team-a"));
        assertThat(chat(secret(key), "ponder", "hello").statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = admin("DELETE", "/admin/api/keys/" + key.get("id"), null);
        HttpResponse<String> response = chat(secret(key), "ponder", "hello");

        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(read(revoked).path("revoked_at").asString()).isEqualTo(NOW.toString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(error(response).path("message").asString()).contains("revoked");
    }

    @Test
    void anExpiredKeyIsRefusedWith401() {
        Map<String, Object> key = createKey(Map.of(
                "name",
                "old",
                "owner",
                "team-a",
                "expires_at",
                NOW.plusSeconds(60).toString()));
        assertThat(chat(secret(key), "ponder", "hello").statusCode()).isEqualTo(200);

        // The clock stands still, so time passes in the database: the next key reload brings the earlier expiry.
        jdbc.update(
                "UPDATE api_keys SET expires_at = ? WHERE key_id = ?",
                java.sql.Timestamp.from(NOW.minusSeconds(1)),
                key.get("id"));
        HttpResponse<String> response = Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> chat(secret(key), "ponder", "hello"), r -> r.statusCode() != 200);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(error(response).path("message").asString()).contains("expired");
    }

    @Test
    void aKeyCannotBeCreatedAlreadyExpired() {
        for (Instant expiry : List.of(NOW.minusSeconds(1), NOW)) {
            HttpResponse<String> response = admin(
                    "POST",
                    "/admin/api/keys",
                    json.writeValueAsString(
                            Map.of("name", "dead on arrival", "owner", "team-a", "expires_at", expiry.toString())));

            assertThat(response.statusCode()).as("expiry %s", expiry).isEqualTo(400);
            assertThat(error(response).path("param").asString()).isEqualTo("expires_at");
            assertThat(error(response).path("message").asString())
                    .isEqualTo("'expires_at' must be in the future (it is now " + NOW + ") but was " + expiry
                            + ": the key would be expired on creation.");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys WHERE name = 'dead on arrival'", Long.class))
                .isZero();
    }

    @Test
    void theRequestBeyondTheRateLimitGets429WithRetryAfter() {
        Map<String, Object> key = createKey(Map.of("name", "slow", "owner", "team-a", "rpm_limit", 2));

        assertThat(chat(secret(key), "ponder", "one").statusCode()).isEqualTo(200);
        assertThat(chat(secret(key), "ponder", "two").statusCode()).isEqualTo(200);
        HttpResponse<String> third = chat(secret(key), "ponder", "three");

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(error(third).path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(error(third).path("type").asString()).isEqualTo("requests");
        assertThat(third.headers().firstValue("Retry-After")).contains("40");
    }

    @Test
    void aRequestThatWouldPassTheTokensPerMinuteGets429() {
        Map<String, Object> key = createKey(Map.of("name", "few tokens", "owner", "team-a", "tpm_limit", 100));

        // Each fits the limit alone (about 71 tokens estimated); the first's real tokens leave no room for the second.
        assertThat(chat(secret(key), "ponder", "x".repeat(150), 1).statusCode()).isEqualTo(200);
        HttpResponse<String> response = chat(secret(key), "ponder", "x".repeat(150), 1);

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(error(response).path("type").asString()).isEqualTo("tokens");
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void aSpentBudgetGets429InsufficientQuota() {
        Map<String, Object> key = createKey(Map.of("name", "broke", "owner", "team-a", "daily_budget_usd", 0.00001));

        HttpResponse<String> response = chat(secret(key), "ponder/hard", "hello");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(error(response).path("type").asString()).isEqualTo("insufficient_quota");
        assertThat(error(response).path("code").asString()).isEqualTo("insufficient_quota");
    }

    @Test
    void aRequestLargerThanTheWholeLimitIsToldSoWithoutAnEndlessRetryAfterAndNotToRetry() {
        Map<String, Object> tokens = createKey(Map.of("name", "small tpm", "owner", "team-a", "tpm_limit", 100));
        Map<String, Object> budget =
                createKey(Map.of("name", "small budget", "owner", "team-a", "daily_budget_usd", 0.001));

        HttpResponse<String> tooManyTokens = chat(secret(tokens), "ponder", "hello", 500);
        HttpResponse<String> tooCostly = chat(secret(budget), "large", "hello", 1000);

        assertThat(tooManyTokens.statusCode()).isEqualTo(429);
        assertThat(error(tooManyTokens).path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(error(tooManyTokens).path("message").asString())
                .startsWith("Request too large for key " + tokens.get("id"))
                .contains("limit 100, requested ");
        assertThat(tooManyTokens.headers().firstValue("Retry-After")).isEmpty();
        // OpenAI's SDKs retry every 429 unless told not to.
        assertThat(tooManyTokens.headers().firstValue("x-should-retry")).contains("false");
        assertThat(tooCostly.statusCode()).isEqualTo(429);
        assertThat(error(tooCostly).path("code").asString()).isEqualTo("insufficient_quota");
        assertThat(error(tooCostly).path("message").asString())
                .contains("more than key " + budget.get("id") + "'s whole daily budget of $0.001");
        assertThat(tooCostly.headers().firstValue("x-should-retry")).contains("false");
    }

    @Test
    void aPolicyMayLetAKeyWithASpentBudgetUseItsFreeTiers() {
        Map<String, Object> key =
                createKey(Map.of("name", "broke but local", "owner", "team-a", "monthly_budget_usd", 0));

        HttpResponse<String> response = chat(secret(key), "ponder/fallback", "hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-ponder-backend")).contains("small");
        assertThat(response.headers().firstValue("x-ponder-cost-usd")).contains("0.00000000");
    }

    @Test
    void aKeyCanUseOnlyItsAllowedPoliciesAndBackends() {
        Map<String, Object> key =
                createKey(Map.of("name", "default only", "owner", "team-a", "allowed_policies", List.of("default")));

        assertThat(chat(secret(key), "ponder", "hello").statusCode()).isEqualTo(200);
        HttpResponse<String> otherPolicy = chat(secret(key), "ponder/hard", "hello");
        HttpResponse<String> backend = chat(secret(key), "large", "hello");

        assertThat(otherPolicy.statusCode()).isEqualTo(404);
        assertThat(error(otherPolicy).path("code").asString()).isEqualTo("model_not_found");
        assertThat(backend.statusCode()).isEqualTo(404);
    }

    @Test
    void aKeyIsListedAndToldOnlyTheModelsItMayUse() {
        Map<String, Object> key =
                createKey(Map.of("name", "default only", "owner", "team-a", "allowed_policies", List.of("default")));

        HttpResponse<String> models = get(secret(key), "/v1/models");
        HttpResponse<String> otherPolicy = chat(secret(key), "ponder/hard", "hello");
        HttpResponse<String> retrieved = get(secret(key), "/v1/models/ponder/default");
        HttpResponse<String> notRetrieved = get(secret(key), "/v1/models/ponder/hard");

        List<String> ids = new ArrayList<>();
        read(models).path("data").forEach(model -> ids.add(model.path("id").asString()));
        assertThat(ids).containsExactly("ponder", "ponder/default");
        assertThat(read(retrieved).path("id").asString()).isEqualTo("ponder/default");
        assertThat(notRetrieved.statusCode()).isEqualTo(404);
        assertThat(error(notRetrieved).path("message").asString())
                .isEqualTo(error(otherPolicy).path("message").asString());
        // Not "does not exist, use 'ponder/<policy>'": the model exists, this key may not use it.
        assertThat(error(otherPolicy).path("message").asString())
                .isEqualTo("The model 'ponder/hard' does not exist or your API key may not use it"
                        + " (GET /v1/models lists the models it may use).");
    }

    // --- encoded slashes: in a model id, and nowhere else -----------------------------------------------------

    @Test
    void aPolicyRetrievedAsTheSdksSendItIsCheckedAgainstTheKeyAsTheRawPathIs() {
        Map<String, Object> key =
                createKey(Map.of("name", "default only", "owner", "team-a", "allowed_policies", List.of("default")));

        HttpResponse<String> anonymous = get(null, "/v1/models/ponder%2Fdefault");
        // Decoded and normalized by the container, this would be /livez: outside /v1, where no key is asked for.
        HttpResponse<String> anonymousClimbingOut = get(null, "/v1/models/ponder%2F..%2F..%2F..%2Flivez");
        HttpResponse<String> retrieved = get(secret(key), "/v1/models/ponder%2Fdefault");
        HttpResponse<String> notAllowed = get(secret(key), "/v1/models/ponder%2Fhard");
        HttpResponse<String> climbingOut = get(secret(key), "/v1/models/ponder%2F..%2F..%2F..%2Fadmin%2Fapi%2Fkeys");

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymousClimbingOut.statusCode()).isEqualTo(401);
        assertThat(retrieved.statusCode()).as(retrieved.body()).isEqualTo(200);
        assertThat(read(retrieved).path("id").asString()).isEqualTo("ponder/default");
        assertThat(notAllowed.statusCode()).isEqualTo(404);
        assertThat(error(notAllowed)).isEqualTo(error(get(secret(key), "/v1/models/ponder/hard")));
        // One model id to the models endpoint, not a path to another handler.
        assertThat(climbingOut.statusCode()).isEqualTo(404);
        assertThat(error(climbingOut).path("code").asString()).isEqualTo("model_not_found");
    }

    @Test
    void anEncodedSlashAnywhereElseIsRefusedBeforeAnyHandler() {
        String key = secret(createKey(Map.of("name", "everything", "owner", "team-a")));
        Map<String, String> answers = new LinkedHashMap<>();

        for (String path : List.of(
                "/admin%2F..",
                "/admin%2Findex.html",
                "/admin%2fconsole.js",
                "/admin%2Fapi/keys",
                "/admin/api%2Fkeys",
                "/actuator%2Fenv",
                "/actuator%2Fprometheus",
                "/v1%2Fchat/completions",
                "/v1/chat%2Fcompletions",
                "/v1/models%2Fponder",
                "/%761/models/ponder%2Fdefault",
                "/v1/models/ponder%252Fdefault")) {
            HttpResponse<String> response = get(key, path);
            String body = response.body();
            answers.put(path, response.statusCode() + " " + body.substring(0, Math.min(body.length(), 160)));
        }

        // The firewall's refusal, in OpenAI's format, for each: no handler saw any of them.
        assertThat(answers).allSatisfy((path, answer) -> assertThat(answer)
                .startsWith("400 ")
                .contains("The request was rejected because the URL contained a potentially malicious String"));
    }

    // --- embeddings: the same access, limits and budgets as chat ---------------------------------------------------

    @Test
    void anEmbeddingBackendTheKeyMayNotUseIsRefusedAsAChatModelIs() {
        Map<String, Object> chatOnly = createKey(
                Map.of("name", "chat backends", "owner", "team-a", "allowed_backends", List.of("small", "large")));
        Map<String, Object> policyOnly =
                createKey(Map.of("name", "default only", "owner", "team-a", "allowed_policies", List.of("default")));
        Map<String, Object> withEmbed = createKey(Map.of(
                "name", "chat and embed", "owner", "team-a", "allowed_backends", List.of("small", "large", "embed")));
        int before = embedder.calls();

        HttpResponse<String> byName = embed(secret(chatOnly), "embed", "hello");
        HttpResponse<String> byModel = embed(secret(chatOnly), "text-embedding-3-small", "hello");
        HttpResponse<String> bypassingPolicies = embed(secret(policyOnly), "embed", "hello");
        HttpResponse<String> unknown = embed(secret(withEmbed), "nope", "hello");
        HttpResponse<String> chat = chat(secret(chatOnly), "ponder/fallback", "hello");

        JsonNode refusedChat = read(chat(secret(policyOnly), "large", "hello"));
        for (HttpResponse<String> refused : List.of(byName, byModel, bypassingPolicies)) {
            String model = refused == byModel ? "text-embedding-3-small" : "embed";
            assertThat(refused.statusCode()).isEqualTo(404);
            assertThat(read(refused))
                    .isEqualTo(json.readTree(refusedChat.toString().replace("'large'", "'" + model + "'")));
        }
        assertThat(embedder.calls()).isEqualTo(before);
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(embed(secret(withEmbed), "embed", "hello").statusCode()).isEqualTo(200);
        // The 404 of an unknown embedding model names only the embedding backends the key may use.
        assertThat(error(unknown).path("message").asString()).contains("[embed]");
        assertThat(models(secret(chatOnly))).doesNotContain("embed", "free-embed");
        assertThat(models(secret(withEmbed))).contains("embed").doesNotContain("free-embed");
    }

    @Test
    void anEmbeddingSentThroughAnEncodedPathIsCheckedAndChargedAsAnyOther() {
        // The controller's mapping decodes /v1/%65mbeddings to /v1/embeddings; the key's checks must see it so too.
        Map<String, Object> chatOnly = createKey(
                Map.of("name", "chat backends", "owner", "team-a", "allowed_backends", List.of("small", "large")));
        Map<String, Object> budget =
                createKey(Map.of("name", "encoded embed budget", "owner", "team-a", "daily_budget_usd", 0.05));
        int before = embedder.calls();

        HttpResponse<String> refused = embed(secret(chatOnly), "/v1/%65mbeddings", "embed", "hello");
        HttpResponse<String> charged = embed(secret(budget), "/%761/embeddings", "embed", "y".repeat(40));
        JsonNode day = read(admin("GET", "/admin/api/keys/" + budget.get("id"), null))
                .path("usage")
                .path("day");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(404);
        assertThat(error(refused).path("code").asString()).isEqualTo("model_not_found");
        assertThat(charged.statusCode()).as(charged.body()).isEqualTo(200);
        assertThat(embedder.calls()).isEqualTo(before + 1);
        assertThat(day.path("tokens").asLong()).isEqualTo(40);
        assertThat(day.path("cost_usd").asDouble()).isCloseTo(0.04, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void embeddingRequestsCountAgainstTheKeysRequestsPerMinute() {
        Map<String, Object> key = createKey(Map.of("name", "slow embedder", "owner", "team-a", "rpm_limit", 2));

        assertThat(embed(secret(key), "embed", "one").statusCode()).isEqualTo(200);
        assertThat(chat(secret(key), "ponder", "two").statusCode()).isEqualTo(200);
        HttpResponse<String> third = embed(secret(key), "embed", "three");

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(error(third).path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(error(third).path("type").asString()).isEqualTo("requests");
        assertThat(third.headers().firstValue("Retry-After")).contains("40");
    }

    @Test
    void anEmbeddingCountsItsInputTokensAgainstTheTokensPerMinuteAndNoOutput() {
        Map<String, Object> key = createKey(Map.of("name", "few tokens", "owner", "team-a", "tpm_limit", 100));

        // About 40 tokens estimated, 90 reported by the backend; no max_tokens default is reserved for an embedding.
        HttpResponse<String> first = embed(secret(key), "embed", "x".repeat(90));
        JsonNode minute = read(admin("GET", "/admin/api/keys/" + key.get("id"), null))
                .path("usage")
                .path("minute");
        HttpResponse<String> second = embed(secret(key), "embed", "x".repeat(90));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(minute.path("tokens").asLong()).isEqualTo(90);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(error(second).path("type").asString()).isEqualTo("tokens");
        assertThat(error(second).path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(second.headers().firstValue("Retry-After")).contains("40");
    }

    @Test
    void anEmbeddingIsChargedItsBackendsInputPriceAgainstTheBudget() {
        Map<String, Object> key =
                createKey(Map.of("name", "embed budget", "owner", "team-a", "daily_budget_usd", 0.05));
        Map<String, Object> broke =
                createKey(Map.of("name", "broke embedder", "owner", "team-a", "daily_budget_usd", 0));

        // 40 tokens at $0.001 each; the second's estimate (about 23 tokens) would take the day past $0.05.
        HttpResponse<String> first = embed(secret(key), "embed", "y".repeat(40));
        JsonNode day = read(admin("GET", "/admin/api/keys/" + key.get("id"), null))
                .path("usage")
                .path("day");
        HttpResponse<String> second = embed(secret(key), "embed", "y".repeat(40));
        HttpResponse<String> priced = embed(secret(broke), "embed", "z");
        HttpResponse<String> free = embed(secret(broke), "free-embed", "z");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(day.path("cost_usd").asDouble()).isCloseTo(0.04, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(first.headers().firstValue("x-ponder-cost-usd"))
                .as("what the key was charged")
                .contains("0.04000000");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(error(second).path("code").asString()).isEqualTo("insufficient_quota");
        assertThat(priced.statusCode()).isEqualTo(429);
        assertThat(error(priced).path("type").asString()).isEqualTo("insufficient_quota");
        // A backend without a price costs nothing, so no budget stops it.
        assertThat(free.statusCode()).as(free.body()).isEqualTo(200);
    }

    @Test
    void aKeyCannotLabelAnotherKeysRequests() {
        Map<String, Object> mine = createKey(Map.of("name", "mine", "owner", "team-a"));
        Map<String, Object> theirs = createKey(Map.of("name", "theirs", "owner", "team-b"));
        String requestId = requestId(chat(secret(mine), "ponder", "hello"));
        awaitRow("SELECT key_id FROM requests WHERE request_id = ?", requestId);

        HttpResponse<String> byThem = feedback(secret(theirs), requestId);
        HttpResponse<String> byMe = feedback(secret(mine), requestId);

        assertThat(byThem.statusCode()).isEqualTo(404);
        assertThat(error(byThem).path("code").asString()).isEqualTo("request_not_found");
        assertThat(byMe.statusCode()).as(byMe.body()).isEqualTo(200);
    }

    @Test
    void aRequestsOwnerIsKnownFromItsOutcomeRowAlone() {
        // As a journal replayed after an outage leaves it, or a replica killed a moment after its outcome was written.
        Map<String, Object> mine = createKey(Map.of("name", "replayed", "owner", "team-a"));
        jdbc.update("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, status, http_status,
                                      answered_by, answered_model, attempts, escalations, total_ms, backend_ms,
                                      input_tokens, output_tokens, cost_usd, prompt, answer, key_id)
                VALUES ('chatcmpl-replayed', ?, 'default', 'ponder', 'answered', 200, 'small', 'llama', 1, 0, 5, 4,
                        3, 2, 0, 'hello', 'hi', ?)
                """, java.sql.Timestamp.from(NOW), mine.get("id"));

        HttpResponse<String> response = feedback(secret(mine), "chatcmpl-replayed");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(read(response).path("labelled").asBoolean()).isTrue();
    }

    @Test
    void aKeyMayKeepItsPromptsOutOfTheOutcomeLogOrRedactThem() {
        Map<String, Object> off = createKey(Map.of("name", "private", "owner", "team-a", "log_content", "off"));
        Map<String, Object> redacted =
                createKey(Map.of("name", "careful", "owner", "team-a", "log_content", "redacted"));

        String offId = requestId(chat(secret(off), "ponder", "my secret plan"));
        String redactedId = requestId(chat(secret(redacted), "ponder", "mail me at jane.doe@example.com today"));

        assertThat(awaitRow("SELECT prompt, answer FROM requests WHERE request_id = ?", offId))
                .containsEntry("prompt", null)
                .containsEntry("answer", null);
        Map<String, Object> row = awaitRow("SELECT prompt FROM requests WHERE request_id = ?", redactedId);
        assertThat((String) row.get("prompt")).isEqualTo("mail me at [redacted] today");
    }

    // --- the admin API and its authentication -------------------------------------------------------------------

    @Test
    void theAdminApiRefusesAnyoneWhoIsNotAnAdministrator() {
        HttpResponse<String> anonymous =
                send(HttpRequest.newBuilder(uri("/admin/api/keys")).GET(), http);
        HttpResponse<String> wrongToken = send(
                HttpRequest.newBuilder(uri("/admin/api/keys"))
                        .header("Authorization", "Bearer not-the-token")
                        .GET(),
                http);
        HttpResponse<String> virtualKey = send(
                HttpRequest.newBuilder(uri("/admin/api/keys"))
                        .header("Authorization", "Bearer " + secret(createKey(Map.of("name", "n", "owner", "o"))))
                        .GET(),
                http);

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(error(anonymous).path("code").asString()).isEqualTo("unauthorized");
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(virtualKey.statusCode()).isEqualTo(401);
    }

    @Test
    void anAdministratorLogsInWithAFormAndChangesNeedTheSessionsCsrfToken() {
        HttpClient browser = browser();
        String loginPage =
                send(HttpRequest.newBuilder(uri("/admin/login")).GET(), browser).body();
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(loginPage);
        assertThat(csrf.find()).isTrue();

        HttpResponse<String> withoutCsrf = form(browser, "username=admin&password=" + ADMIN_PASSWORD);
        HttpResponse<String> wrongPassword = form(browser, "username=admin&password=nope&_csrf=" + csrf.group(1));
        HttpResponse<String> login =
                form(browser, "username=admin&password=" + ADMIN_PASSWORD + "&_csrf=" + enc(csrf.group(1)));

        assertThat(withoutCsrf.statusCode()).isEqualTo(302);
        assertThat(withoutCsrf.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login?expired");
        assertThat(wrongPassword.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login?error");
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location").orElseThrow()).doesNotContain("error");

        JsonNode session =
                read(send(HttpRequest.newBuilder(uri("/admin/api/session")).GET(), browser));
        assertThat(session.path("user").asString()).isEqualTo("admin");
        String body = "{\"name\": \"from the console\", \"owner\": \"ops\"}";
        HttpResponse<String> noToken = send(
                HttpRequest.newBuilder(uri("/admin/api/keys"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                browser);
        HttpResponse<String> withToken = send(
                HttpRequest.newBuilder(uri("/admin/api/keys"))
                        .header("Content-Type", "application/json")
                        .header(
                                session.path("csrf").path("header_name").asString(),
                                session.path("csrf").path("token").asString())
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                browser);

        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(error(noToken).path("code").asString()).isEqualTo("forbidden");
        assertThat(withToken.statusCode()).isEqualTo(201);
    }

    @Test
    void noSessionExistsUntilALoginSucceeds() {
        HttpClient browser = browser();
        CookieManager cookies = (CookieManager) browser.cookieHandler().orElseThrow();
        List<HttpResponse<String>> anonymous = new ArrayList<>();
        anonymous.add(send(HttpRequest.newBuilder(uri("/admin/")), browser));
        anonymous.add(send(HttpRequest.newBuilder(uri("/admin/api/keys")), browser));
        anonymous.add(send(
                HttpRequest.newBuilder(uri("/admin/api/keys"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")),
                browser));
        HttpResponse<String> loginPage = send(HttpRequest.newBuilder(uri("/admin/login")), browser);
        anonymous.add(loginPage);
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(loginPage.body());
        assertThat(csrf.find()).isTrue();
        anonymous.add(form(browser, "username=admin&password=nope&_csrf=" + enc(csrf.group(1))));
        anonymous.add(form(browser, "username=admin&password=" + ADMIN_PASSWORD + "&_csrf=wrong"));
        anonymous.add(send(HttpRequest.newBuilder(uri("/admin/login?error")), browser));

        for (HttpResponse<String> response : anonymous) {
            assertThat(response.headers().allValues("Set-Cookie"))
                    .as("%s %s", response.request().method(), response.uri())
                    .noneMatch(cookie -> cookie.startsWith("JSESSIONID="));
        }
        assertThat(cookies.getCookieStore().getCookies())
                .noneMatch(c -> c.getName().equals("JSESSIONID"));
        // The form shown after a failure still logs in (its token is not bound to a session either).
        Matcher again = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"")
                .matcher(anonymous.getLast().body());
        assertThat(again.find()).isTrue();
        HttpResponse<String> login =
                form(browser, "username=admin&password=" + ADMIN_PASSWORD + "&_csrf=" + enc(again.group(1)));
        assertThat(login.headers().firstValue("Location").orElseThrow()).endsWith("/admin/");
        assertThat(login.headers().allValues("Set-Cookie")).anyMatch(cookie -> cookie.startsWith("JSESSIONID="));
        assertThat(send(HttpRequest.newBuilder(uri("/admin/api/session")), browser)
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void afterFiveFailedLoginsTheAddressAndTheUserGet429WithRetryAfterOnTheLoginForm() {
        HttpClient browser = browser();
        String token = csrfOfLoginPage(browser);
        // Five guesses for one user from one client, as forwarded by a proxy (its address is the client's).
        for (int i = 0; i < 5; i++) {
            assertThat(loginFrom(browser, "203.0.113.7", "guessed", "guess-" + i, token)
                            .headers()
                            .firstValue("Location"))
                    .hasValueSatisfying(location -> assertThat(location).endsWith("/admin/login?error"));
        }

        HttpResponse<String> sameClient = loginFrom(browser, "203.0.113.7", "admin", ADMIN_PASSWORD, token);
        HttpResponse<String> sameUser = loginFrom(browser, "198.51.100.4", "guessed", "guess-5", token);
        HttpResponse<String> neither = loginFrom(browser, "198.51.100.4", "admin", ADMIN_PASSWORD, token);

        for (HttpResponse<String> refused : List.of(sameClient, sameUser)) {
            assertThat(refused.statusCode()).isEqualTo(429);
            // The clock stands still in this test: the first lockout, whole.
            assertThat(refused.headers().firstValue("Retry-After")).contains("30");
            assertThat(refused.body()).contains("Too many failed logins").contains("name=\"password\"");
        }
        assertThat(neither.headers().firstValue("Location").orElseThrow()).endsWith("/admin/");
    }

    @Test
    void behindATlsProxyTheSessionCookieIsSecureAndTheLoginStaysOnHttps() {
        // As an ingress that ends TLS forwards it (from a cluster-internal address, as 127.0.0.1 is here).
        HttpResponse<String> viaTls = logIn(browser(), "https");
        HttpResponse<String> plain = logIn(browser(), null);

        assertThat(viaTls.headers().firstValue("Location").orElseThrow()).startsWith("https://");
        assertThat(sessionCookie(viaTls))
                .contains("; Secure")
                .contains("; HttpOnly")
                .contains("; SameSite=Lax");
        // Plain HTTP on a laptop still logs in: a Secure cookie would never come back.
        assertThat(plain.headers().firstValue("Location").orElseThrow()).startsWith("http://");
        assertThat(sessionCookie(plain))
                .contains("; HttpOnly")
                .contains("; SameSite=Lax")
                .doesNotContain("Secure");
    }

    @Test
    void aFormPostedWithTheTokenOfASessionThatIsGoneLeadsBackToTheLoginPage() {
        // As after a restart: the console's logout form, or a login page left open, carries a token no session has.
        HttpClient browser = browser();
        HttpResponse<String> logout = send(
                HttpRequest.newBuilder(uri("/admin/logout"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("_csrf=token-of-a-gone-session")),
                browser);
        String loginPage = send(HttpRequest.newBuilder(uri("/admin/login?expired")), browser)
                .body();

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login?expired");
        assertThat(loginPage).contains("session had expired").contains("name=\"password\"");
    }

    @Test
    void theConsoleRunsOnlyItsOwnScriptsCannotBeFramedAndItsJsonIsNeverCached() {
        HttpResponse<String> loginPage = send(HttpRequest.newBuilder(uri("/admin/login")), http);
        HttpResponse<String> consolePage = admin("GET", "/admin/index.html", null);
        HttpResponse<String> json = admin("GET", "/admin/api/keys", null);

        for (HttpResponse<String> response : List.of(loginPage, consolePage, json)) {
            assertThat(response.statusCode()).as("%s", response.uri()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Security-Policy"))
                    .as("%s", response.uri())
                    .hasValueSatisfying(policy -> assertThat(policy)
                            .contains("default-src 'self'")
                            .contains("frame-ancestors 'none'")
                            .doesNotContain("unsafe-inline")
                            .doesNotContain("unsafe-eval"));
            assertThat(response.headers().firstValue("X-Frame-Options")).contains("DENY");
            assertThat(response.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(response.headers().firstValue("Referrer-Policy")).contains("same-origin");
        }
        assertThat(json.headers().firstValue("Cache-Control"))
                .hasValueSatisfying(cache -> assertThat(cache).contains("no-store"));
    }

    @Test
    void aKeyIsShownOnceAtCreationAndStoredOnlyAsAKeyedHash() {
        Map<String, Object> key = createKey(Map.of("name", "shown once", "owner", "team-a"));
        String secret = secret(key);

        String list = admin("GET", "/admin/api/keys", null).body();
        String one = admin("GET", "/admin/api/keys/" + key.get("id"), null).body();
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM api_keys WHERE key_id = ?", key.get("id"));

        assertThat(secret).startsWith("pk-").hasSize(46);
        assertThat(list).contains((String) key.get("id")).doesNotContain(secret);
        assertThat(one).doesNotContain(secret).doesNotContain((String)
                rows.getFirst().get("key_hash"));
        assertThat(rows.getFirst().values().toString()).doesNotContain(secret);
        assertThat(rows.getFirst().get("key_hash")).isEqualTo(new KeyHasher(KEY_SECRET.getBytes()).hash(secret));
    }

    @Test
    void theAdminApiNamesTheFieldThatIsWrong() {
        HttpResponse<String> response = admin(
                "POST", "/admin/api/keys", "{\"name\": \"n\", \"owner\": \"o\", \"allowed_backends\": [\"nope\"]}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response).path("param").asString()).isEqualTo("allowed_backends");
        for (String field : List.of("rpm_limit", "tpm_limit", "daily_budget_usd", "monthly_budget_usd")) {
            // 1e400 reads as infinity: it was stored, and shown back as the string "Infinity"
            for (String value : List.of("-1", "1e400")) {
                HttpResponse<String> limit = admin(
                        "POST",
                        "/admin/api/keys",
                        "{\"name\": \"n\", \"owner\": \"o\", \"" + field + "\": " + value + "}");
                assertThat(limit.statusCode()).as("%s %s", field, value).isEqualTo(400);
                assertThat(error(limit).path("param").asString()).isEqualTo(field);
            }
        }
        HttpResponse<String> tooLarge =
                admin("POST", "/admin/api/keys", "{\"name\": \"n\", \"owner\": \"o\", \"tpm_limit\": 3000000000}");
        assertThat(error(tooLarge).path("message").asString())
                .isEqualTo("'tpm_limit' must be an integer from 1 to 2147483647 but was 3000000000.");
    }

    // --- concurrency and secrets ------------------------------------------------------------------------------

    /**
     * Sixty clients at once on one key: no more requests pass than its rate limit, what they cost together stays
     * within its budget, and the totals written to PostgreSQL match what the clients were told.
     */
    @Test
    void hammeringOneKeyNeverPassesItsBudgetOrRateLimit() throws Exception {
        double budget = 0.002;
        Map<String, Object> key =
                createKey(Map.of("name", "hammered", "owner", "team-a", "rpm_limit", 40, "daily_budget_usd", budget));
        List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String prompt = "question " + i;
            calls.add(() -> chat(secret(key), "ponder/hard", prompt, 20));
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<HttpResponse<String>> f : clients.invokeAll(calls)) {
                responses.add(f.get());
            }
        }

        List<HttpResponse<String>> ok =
                responses.stream().filter(r -> r.statusCode() == 200).toList();
        double spent = ok.stream()
                .mapToDouble(r -> Double.parseDouble(
                        r.headers().firstValue("x-ponder-cost-usd").orElseThrow()))
                .sum();
        long quota = responses.stream()
                .filter(r -> r.statusCode() == 429 && r.body().contains("insufficient_quota"))
                .count();
        assertThat(ok).isNotEmpty().hasSizeLessThanOrEqualTo(40);
        assertThat(quota).as("requests refused for the budget").isPositive();
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(200, 429));
        assertThat(spent).as("what the answers cost together").isPositive().isLessThanOrEqualTo(budget);

        // Written by the usage sync, every second: waited for, as a sync on a loaded machine can take longer.
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Map<String, Object>> day = jdbc.queryForList(
                    "SELECT requests, cost_usd FROM key_usage WHERE key_id = ? AND period = ?",
                    key.get("id"),
                    "d" + NOW.atOffset(ZoneOffset.UTC).toLocalDate());
            assertThat(day).singleElement().satisfies(usage -> {
                assertThat(((Number) usage.get("cost_usd")).doubleValue())
                        .isCloseTo(spent, org.assertj.core.data.Offset.offset(1e-12));
                assertThat(((Number) usage.get("requests")).longValue()).isEqualTo(ok.size());
            });
        });
    }

    @Test
    void plantedSecretsAppearInNoLogResponseOrEndpoint(CapturedOutput output) {
        Map<String, Object> key = createKey(Map.of("name", "planted", "owner", "team-a"));
        String virtualKey = secret(key);
        large.failNext(401, FakeOpenAiServer.errorBody("invalid_request_error", "Incorrect API key provided."));
        List<HttpResponse<String>> responses = new ArrayList<>();
        responses.add(chat(virtualKey, "large", "hello"));
        responses.add(chat(virtualKey, "ponder/hard", "hello"));
        responses.add(chat(virtualKey + "x", "ponder", "hello"));
        for (String path : List.of(
                "/actuator",
                "/actuator/env",
                "/actuator/configprops",
                "/actuator/health",
                "/actuator/metrics",
                "/actuator/prometheus",
                "/admin/api/keys")) {
            responses.add(send(HttpRequest.newBuilder(uri(path)).GET(), http));
            responses.add(admin("GET", path, null));
        }
        responses.add(send(
                HttpRequest.newBuilder(uri("/v1/models"))
                        .header("Authorization", "Bearer " + virtualKey)
                        .GET(),
                http));

        assertThat(responses.get(0).statusCode()).isEqualTo(502);
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/env")).GET(), http)
                        .statusCode())
                .isEqualTo(404);
        for (String secret : List.of(UPSTREAM_KEY, ADMIN_PASSWORD, ADMIN_TOKEN, KEY_SECRET, virtualKey)) {
            assertThat(output.getAll()).as("logs").doesNotContain(secret);
            for (HttpResponse<String> r : responses) {
                assertThat(r.body()).as("body of %s", r.uri()).doesNotContain(secret);
                assertThat(r.headers().map().toString())
                        .as("headers of %s", r.uri())
                        .doesNotContain(secret);
            }
        }
    }

    @Test
    void aDebugLogOfEveryLoggerCarriesNoSecret(CapturedOutput output) {
        // As an operator troubleshooting with --logging.level.root=DEBUG (or --debug) would log.
        Map<String, Object> key = createKey(Map.of("name", "debugged", "owner", "team-a"));
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        LogLevel before =
                logging.getLoggerConfiguration(LoggingSystem.ROOT_LOGGER_NAME).getConfiguredLevel();
        int from = output.getAll().length();
        HttpResponse<String> answered;
        try {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.DEBUG);
            answered = chat(secret(key), "large", "hello");
            admin("GET", "/admin/api/keys", null);
        } finally {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, before);
        }

        String logged = output.getAll().substring(from);
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        assertThat(logged).as("what DEBUG logged").contains("DEBUG");
        for (String secret : List.of(UPSTREAM_KEY, ADMIN_TOKEN, secret(key))) {
            assertThat(logged).as("what DEBUG logged").doesNotContain(secret);
        }
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private Map<String, Object> createKey(Map<String, Object> fields) {
        HttpResponse<String> response = admin("POST", "/admin/api/keys", json.writeValueAsString(fields));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json.readValue(response.body(), Map.class);
    }

    private static String secret(Map<String, Object> key) {
        return (String) key.get("key");
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return send(request, http);
    }

    /** A GET with the key as a Bearer token, or with no credential when it is null. */
    private HttpResponse<String> get(String key, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return send(request, http);
    }

    private HttpResponse<String> chat(String key, String model, String prompt) {
        return chat(key, model, prompt, null);
    }

    private HttpResponse<String> chat(String key, String model, String prompt, Integer maxTokens) {
        String body = json.writeValueAsString(Map.of(
                "model",
                model,
                "messages",
                List.of(Map.of("role", "user", "content", prompt)),
                "max_tokens",
                maxTokens == null ? 64 : maxTokens));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return send(request, http);
    }

    private HttpResponse<String> embed(String key, String model, String input) {
        return embed(key, "/v1/embeddings", model, input);
    }

    private HttpResponse<String> embed(String key, String path, String model, String input) {
        return send(
                HttpRequest.newBuilder(uri(path))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + key)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                json.writeValueAsString(Map.of("model", model, "input", input)))),
                http);
    }

    private List<String> models(String key) {
        List<String> ids = new ArrayList<>();
        read(get(key, "/v1/models"))
                .path("data")
                .forEach(model -> ids.add(model.path("id").asString()));
        return ids;
    }

    private HttpResponse<String> feedback(String key, String requestId) {
        return send(
                HttpRequest.newBuilder(uri("/v1/feedback"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + key)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                json.writeValueAsString(Map.of("request_id", requestId, "thumbs", "up")))),
                http);
    }

    private HttpResponse<String> form(HttpClient client, String body) {
        return send(
                HttpRequest.newBuilder(uri("/admin/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                client);
    }

    /** Logs in through the form, as forwarded by a proxy that ended {@code forwardedProto} when not null. */
    private HttpResponse<String> logIn(HttpClient browser, String forwardedProto) {
        HttpRequest.Builder page = HttpRequest.newBuilder(uri("/admin/login")).GET();
        HttpRequest.Builder login =
                HttpRequest.newBuilder(uri("/admin/login")).header("Content-Type", "application/x-www-form-urlencoded");
        if (forwardedProto != null) {
            page.header("X-Forwarded-Proto", forwardedProto);
            login.header("X-Forwarded-Proto", forwardedProto);
        }
        HttpResponse<String> form = send(page, browser);
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(form.body());
        assertThat(csrf.find()).isTrue();
        if (forwardedProto != null) {
            // Over https the form's CSRF cookie is Secure, which a cookie jar sends only over https, as a browser
            // behind the proxy does: this client talks plain http to the gateway, so it is sent by hand.
            form.headers().allValues("Set-Cookie").forEach(cookie -> login.header("Cookie", cookie.split(";")[0]));
        }
        HttpResponse<String> response = send(
                login.POST(HttpRequest.BodyPublishers.ofString(
                        "username=admin&password=" + ADMIN_PASSWORD + "&_csrf=" + enc(csrf.group(1)))),
                browser);
        assertThat(response.headers().firstValue("Location").orElseThrow()).endsWith("/admin/");
        return response;
    }

    private static String sessionCookie(HttpResponse<String> response) {
        return response.headers().allValues("Set-Cookie").stream()
                .filter(cookie -> cookie.startsWith("JSESSIONID="))
                .findFirst()
                .orElseThrow();
    }

    private String csrfOfLoginPage(HttpClient browser) {
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"")
                .matcher(send(HttpRequest.newBuilder(uri("/admin/login")), browser)
                        .body());
        assertThat(csrf.find()).isTrue();
        return csrf.group(1);
    }

    private HttpResponse<String> loginFrom(
            HttpClient browser, String forwardedFor, String user, String password, String csrf) {
        return send(
                HttpRequest.newBuilder(uri("/admin/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("X-Forwarded-For", forwardedFor)
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "username=" + enc(user) + "&password=" + enc(password) + "&_csrf=" + enc(csrf))),
                browser);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String requestId(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("x-ponder-request-id").orElseThrow();
    }

    /** A client that keeps its cookies, as a browser does, and shows redirects instead of following them. */
    private static HttpClient browser() {
        return HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, HttpClient client) {
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(HttpResponse<String> response) {
        return json.readTree(response.body());
    }

    private static JsonNode error(HttpResponse<String> response) {
        return read(response).path("error");
    }

    /** Polls until the asynchronous outcome writer has written the row. */
    private Map<String, Object> awaitRow(String sql, Object... args) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.queryForList(sql, args), rows -> !rows.isEmpty())
                .getFirst();
    }
}
