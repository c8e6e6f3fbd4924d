package dev.ponder.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ponder.gateway.GatewayTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The console's JSON API as a script calls it, with the admin token: wrong input is a 400 naming the field. */
@TestPropertySource(
        properties = {
            "ponder.security.admin.password=console-test-password",
            "ponder.security.admin.token=console-test-token"
        })
class ConsoleApiTest extends GatewayTest {

    @Test
    void aWhatIfWithoutAThresholdOrWithOneThatIsNoNumberIsA400NamingIt() {
        HttpResponse<String> missing = admin("GET", "/admin/api/console/whatif?policy=default", null);
        HttpResponse<String> empty = admin("GET", "/admin/api/console/whatif?policy=default&threshold=", null);
        HttpResponse<String> text = admin("GET", "/admin/api/console/whatif?policy=default&threshold=abc", null);

        for (HttpResponse<String> response : new HttpResponse[] {missing, empty, text}) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            assertThat(error(response).path("param").asString()).isEqualTo("threshold");
        }
        assertThat(error(text).path("message").asString()).contains("'abc'");
    }

    @Test
    void aRequestsPageCursorThatIsNoInstantIsA400NamingIt() {
        HttpResponse<String> response = admin("GET", "/admin/api/console/requests?before=yesterday", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(error(response).path("param").asString()).isEqualTo("before");
        assertThat(error(response).path("message").asString()).contains("ISO-8601");
    }

    @Test
    void aCursorRowIdWithoutItsInstantIsA400NamingIt() {
        HttpResponse<String> response = admin("GET", "/admin/api/console/requests?before_id=chatcmpl-1", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(error(response).path("param").asString()).isEqualTo("before_id");
    }

    @Test
    void aPolicyEditWithANullThresholdOrAFieldItDoesNotKnowIsA400AndChangesNothing() {
        HttpResponse<String> nullThreshold =
                admin("PUT", "/admin/api/console/policies/default", "{\"thresholds\": [null]}");
        HttpResponse<String> misspelt = admin("PUT", "/admin/api/console/policies/default", "{\"max_cost\": 0.01}");

        assertThat(nullThreshold.statusCode()).as(nullThreshold.body()).isEqualTo(400);
        assertThat(error(nullThreshold).path("param").asString()).isEqualTo("thresholds");
        assertThat(misspelt.statusCode()).as(misspelt.body()).isEqualTo(400);
        assertThat(error(misspelt).path("param").asString()).isEqualTo("max_cost");
        assertThat(editsOfDefault()).isZero();
    }

    @Test
    void aPolicyEditMadeAgainstAnotherVersionIsA409AndChangesNothing() {
        JsonNode policies = JsonMapper.shared()
                .readTree(admin("GET", "/admin/api/console/policies", null).body())
                .path("data");
        assertThat(policies.findValuesAsString("version")).isNotEmpty().allMatch(v -> !v.isBlank());

        HttpResponse<String> stale =
                admin("PUT", "/admin/api/console/policies/default", "{\"thresholds\": [0.9], \"version\": \"0\"}");

        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
        assertThat(error(stale).path("code").asString()).isEqualTo("policy_changed");
        assertThat(editsOfDefault()).isZero();
    }

    @Test
    void aRequestSentStraightToABackendCostsAsMuchInTheAlwaysTopTierCounterfactualAndMovesNoSavings() {
        JsonNode before = overview();
        String id = post(
                        "/v1/chat/completions",
                        "application/json",
                        "{\"model\": \"large\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")
                .headers()
                .firstValue("x-ponder-request-id")
                .orElseThrow();
        awaitRow("SELECT 1 FROM requests WHERE request_id = ?", id);
        JsonNode after = overview();

        double cost =
                after.path("cost_usd").asDouble() - before.path("cost_usd").asDouble();
        assertThat(cost).isPositive();
        assertThat(after.path("top_tier_cost_usd").asDouble()
                        - before.path("top_tier_cost_usd").asDouble())
                .isCloseTo(cost, within(1e-9));
        assertThat(after.path("savings_usd").asDouble())
                .isCloseTo(before.path("savings_usd").asDouble(), within(1e-9));
    }

    @Test
    void promotingAVersionWhoseArtifactDoesNotLoadIsA409AndChangesNothing() {
        jdbc.update("""
                INSERT INTO router_models (version, sha256, artifact, card, metrics, curves, thresholds, status,
                    created_at)
                VALUES ('unloadable-api', 'abc', '\\x00', '{}', '{}', '{}', '{}', 'candidate', now())""");
        String active = JsonMapper.shared()
                .readTree(admin("GET", "/admin/api/router", null).body())
                .path("active")
                .asString();

        HttpResponse<String> response = admin("POST", "/admin/api/router/versions/unloadable-api/activate", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        assertThat(error(response).path("code").asString()).isEqualTo("model_version_unusable");
        assertThat(error(response).path("message").asString()).contains("cannot be loaded");
        assertThat(jdbc.queryForObject(
                        "SELECT status FROM router_models WHERE version = 'unloadable-api'", String.class))
                .isEqualTo("candidate");
        assertThat(JsonMapper.shared()
                        .readTree(admin("GET", "/admin/api/router", null).body())
                        .path("active")
                        .asString())
                .isEqualTo(active);
    }

    private JsonNode overview() {
        return JsonMapper.shared()
                .readTree(admin("GET", "/admin/api/console/overview?range=1h", null)
                        .body());
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer console-test-token")
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    private int editsOfDefault() {
        return jdbc.queryForObject("SELECT count(*) FROM policy_audit WHERE policy = 'default'", Integer.class);
    }

    private static JsonNode error(HttpResponse<String> response) {
        return JsonMapper.shared().readTree(response.body()).path("error");
    }
}
