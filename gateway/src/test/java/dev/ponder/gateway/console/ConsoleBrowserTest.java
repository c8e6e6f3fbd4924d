package dev.ponder.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ponder.cascade.Budget;
import dev.ponder.gateway.GatewayTest;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.providers.testing.FakeOpenAiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console in a real headless Chromium: log in, visit every page against a gateway holding real logged traffic,
 * open a request's trail, change a threshold, and save screenshots (target/console-screenshots).
 */
@TestPropertySource(
        properties = {
            "ponder.security.admin.password=console-test-password",
            "ponder.security.admin.token=console-test-token"
        })
class ConsoleBrowserTest extends GatewayTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target/console-screenshots");
    /** Generous: a page that loads is seen at once, and 2 shared cores under a parallel build can take a while. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static WebDriver browser;
    private static Path profile;

    @Autowired
    Routes routes;

    @Autowired
    PolicyOverrides overrides;

    @BeforeAll
    static void startBrowser() throws IOException {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Skipped: install Debian's chromium and chromium-driver (.ci/run does) to run the browser test");
        profile = Files.createTempDirectory("ponder-chromium");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-dev-shm-usage",
                        "--window-size=1400,1000",
                        "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void anAdministratorSeesEveryPageOpensATrailAndChangesAThreshold() throws IOException {
        String escalated = sendTraffic();
        storeRouterVersion();

        browser.get(base() + "/admin/");
        assertThat(browser.getCurrentUrl()).contains("/admin/login");
        browser.findElement(By.name("username")).sendKeys("admin");
        browser.findElement(By.name("password")).sendKeys("console-test-password");
        browser.findElement(By.cssSelector("form button[type=submit]")).click();

        visit("overview");
        assertThat(text("#overview-cards"))
                .contains("requests")
                .contains("always top tier")
                .contains("savings");
        shot("overview");

        visit("requests");
        List<WebElement> links = browser.findElements(By.cssSelector("#requests-table a.trail-link"));
        assertThat(links).extracting(WebElement::getText).contains(escalated);
        shot("requests");
        links.stream()
                .filter(l -> l.getText().equals(escalated))
                .findFirst()
                .orElseThrow()
                .click();
        await(By.cssSelector("#page[data-page=request] #trail"));
        assertThat(browser.findElements(By.cssSelector("#trail tbody tr"))).hasSize(2);
        assertThat(text("#trail"))
                .contains("escalated")
                .contains("accepted")
                .contains("small")
                .contains("large");
        shot("request-trail");

        visit("router");
        assertThat(text("#active-version")).isNotBlank();
        assertThat(text("#versions"))
                .as("what the retraining job stored: every policy's thresholds and the fitted logprob weights")
                .contains("retrain-console-test")
                .contains("default: 0.4000")
                .contains("hard: 0.1500")
                .contains("1.500, 2.000, 0.250, -3.000, 0.125");
        assertThat(browser.findElements(By.cssSelector("#versions svg[aria-label='quality vs strong share'] path")))
                .as("the version's held-out curve, drawn in its row")
                .hasSize(1);
        shot("router");

        visit("backends");
        assertThat(text("#backends")).contains("small").contains("large").contains("gpt-4o");
        shot("backends");

        visit("keys");
        browser.findElement(By.cssSelector("#create-key input[name=name]")).sendKeys("console-made");
        browser.findElement(By.cssSelector("#create-key input[name=owner]")).sendKeys("team-console");
        browser.findElement(By.cssSelector("#create-key button")).click();
        await(By.cssSelector("#new-key, #created-key .error"));
        assertThat(browser.findElements(By.cssSelector("#created-key .error")))
                .extracting(WebElement::getText)
                .isEmpty();
        assertThat(text("#new-key")).isNotBlank();
        assertThat(text("#keys")).contains("console-made");
        shot("keys");

        visit("training");
        await(By.id("training-runs"));
        shot("training-runs");

        visit("policies");
        WebElement thresholds = browser.findElement(By.cssSelector("form[data-policy=hard] input[name=thresholds]"));
        thresholds.clear();
        thresholds.sendKeys("0.25");
        browser.findElement(By.cssSelector("form[data-policy=hard] button")).click();
        new WebDriverWait(browser, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "0.25"));
        shot("policies");
        assertThat(routes.policies().get("hard").thresholds()).containsExactly(0.25);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM policy_audit WHERE policy = 'hard'", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void whatTheServerRefusesIsShownInsteadOfDroppedOrSavedOverAnotherEdit() {
        logIn();
        try {
            // A limit typed wrong is refused by the server, not sent as null and created as no limit.
            visit("keys");
            browser.findElement(By.cssSelector("#create-key input[name=name]")).sendKeys("typo-limit");
            browser.findElement(By.cssSelector("#create-key input[name=owner]")).sendKeys("team-console");
            browser.findElement(By.cssSelector("#create-key input[name=rpm_limit]"))
                    .sendKeys("6O");
            browser.findElement(By.cssSelector("#create-key button")).click();
            await(By.cssSelector("#created-key .error"));
            assertThat(text("#created-key")).contains("rpm_limit");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys WHERE name = 'typo-limit'", Integer.class))
                    .isZero();

            // An expiry already past would create a key dead on arrival: refused, and the form says which field.
            browser.findElement(By.cssSelector("#create-key input[name=rpm_limit]"))
                    .clear();
            WebElement name = browser.findElement(By.cssSelector("#create-key input[name=name]"));
            name.clear();
            name.sendKeys("dead-on-arrival");
            browser.findElement(By.cssSelector("#create-key input[name=expires_at]"))
                    .sendKeys("2020-01-01T00:00:00Z");
            browser.findElement(By.cssSelector("#create-key button")).click();
            new WebDriverWait(browser, WAIT)
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.id("created-key"), "expires_at"));
            assertThat(text("#created-key")).contains("in the future");
            assertThat(jdbc.queryForObject(
                            "SELECT count(*) FROM api_keys WHERE name = 'dead-on-arrival'", Integer.class))
                    .isZero();

            // A what-if the server refuses says why, where the prediction would be.
            jdbc.update("""
                    INSERT INTO router_models (version, sha256, artifact, card, metrics, curves, thresholds, status,
                        created_at)
                    VALUES ('unloadable-browser', 'abc', '\\x00', '{}', '{}', '{}', '{}', 'candidate', now())""");
            visit("router");
            browser.findElement(By.cssSelector("#whatif input[name=threshold]")).clear();
            browser.findElement(By.cssSelector("#whatif button")).click();
            await(By.cssSelector("#whatif-result .error"));
            assertThat(text("#whatif-result")).contains("threshold");

            // A promotion the server refuses says why.
            browser.findElements(By.cssSelector("#versions tbody tr")).stream()
                    .filter(row -> row.getText().contains("unloadable-browser"))
                    .findFirst()
                    .orElseThrow()
                    .findElement(By.tagName("button"))
                    .click();
            await(By.cssSelector("#page .action-error"));
            assertThat(text("#page .action-error")).contains("cannot be loaded");

            // A budget set in the form can be emptied again, back to unlimited.
            visit("policies");
            saveBudget("live", "0.5");
            assertThat(routes.policies().get("live").budget().maxCostUsd()).isEqualTo(0.5);
            saveBudget("live", "");
            assertThat(routes.policies().get("live").budget().maxCostUsd()).isEqualTo(Budget.UNLIMITED.maxCostUsd());

            // A policy form loaded before someone else's edit does not save over it.
            overrides.apply(routes.policies().get("verified"), new PolicyEdit(null, 3, null, null, null), "other");
            WebElement thresholds =
                    browser.findElement(By.cssSelector("form[data-policy=verified] input[name=thresholds]"));
            thresholds.clear();
            thresholds.sendKeys("0.5");
            browser.findElement(By.cssSelector("form[data-policy=verified] button"))
                    .click();
            new WebDriverWait(browser, WAIT)
                    .until(ExpectedConditions.textToBePresentInElementLocated(
                            By.cssSelector("form[data-policy=verified] .msg"), "changed since you loaded it"));
            assertThat(routes.policies().get("verified").thresholds()).containsExactly(1.0);
            assertThat(routes.policies().get("verified").budget().maxEscalations())
                    .isEqualTo(3);
        } finally {
            browser.manage().deleteAllCookies();
        }
    }

    @Test
    void anAdministratorWhoseSessionIsGoneIsSentToLogInAgain() {
        logIn();
        try {
            visit("keys");
            // As after a timeout or a restart: the page is still open, its session is not.
            browser.manage().deleteCookieNamed("JSESSIONID");
            browser.findElement(By.cssSelector("#create-key input[name=name]")).sendKeys("after-expiry");
            browser.findElement(By.cssSelector("#create-key input[name=owner]")).sendKeys("team-console");
            browser.findElement(By.cssSelector("#create-key button")).click();

            new WebDriverWait(browser, WAIT).until(ExpectedConditions.urlContains("/admin/login"));
            assertThat(browser.getPageSource()).contains("session had expired");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM api_keys WHERE name = 'after-expiry'", Integer.class))
                    .isZero();
        } finally {
            browser.manage().deleteAllCookies();
        }
    }

    @Test
    void theRequestsPageFollowsTheApisCursorToOlderRequests() {
        jdbc.update("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, status, http_status, attempts,
                                      escalations, total_ms, backend_ms, input_tokens, output_tokens, cost_usd)
                SELECT 'paged-' || lpad(i::text, 2, '0'), now() - interval '1 hour' - i * interval '1 second', 'paged',
                       'ponder', 'answered', 200, 1, 0, 10, 10, 1, 1, 0
                FROM generate_series(1, 60) i""");
        logIn();
        try {
            browser.get(base() + "/admin/#requests?policy=paged");
            await(By.cssSelector("#page[data-page=requests] #requests-table"));
            WebElement first = browser.findElement(By.id("requests-table"));
            List<String> newest = requestIds();
            assertThat(browser.findElements(By.id("newest-requests"))).isEmpty();

            browser.findElement(By.id("older-requests")).click();
            new WebDriverWait(browser, WAIT).until(ExpectedConditions.stalenessOf(first));
            await(By.id("requests-table"));
            List<String> older = requestIds();

            assertThat(newest).hasSize(50).startsWith("paged-01");
            assertThat(older).hasSize(10).endsWith("paged-60").doesNotContainAnyElementsOf(newest);
            assertThat(browser.findElements(By.id("older-requests")))
                    .as("the last page")
                    .isEmpty();
            assertThat(browser.getCurrentUrl()).contains("policy=paged");
            browser.findElement(By.id("newest-requests")).click();
            new WebDriverWait(browser, WAIT)
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.id("requests-table"), "paged-01"));
        } finally {
            browser.manage().deleteAllCookies();
        }
    }

    @Test
    void textFromClientsAndBackendsIsShownAsTextAndNeverRunsAsScript() {
        // What a client or a backend may send to be shown to an administrator: markup that would run if rendered.
        String payload = "<img src=x onerror=\"window.__xss=1\"></script><script>window.__xss=2</script>"
                + "\"><svg onload=\"window.__xss=3\">";
        HttpResponse<String> key = send(HttpRequest.newBuilder(URI.create(base() + "/admin/api/keys"))
                .header("Authorization", "Bearer console-test-token")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonMapper.shared()
                        .writeValueAsString(Map.of("name", "key " + payload, "owner", "javascript:" + payload))))
                .build());
        assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
        String answered = requestId(post("/v1/chat/completions", "application/json", body("ponder", payload)));
        // Refused by the first tier, answered by the free second: a priced failure would move ConsoleApiTest's figures.
        large.failNext(401, FakeOpenAiServer.errorBody("invalid_request_error", "Bad key " + payload));
        HttpResponse<String> escalated =
                post("/v1/chat/completions", "application/json", body("ponder/verified", "escalate " + payload));
        assertThat(escalated.statusCode()).as(escalated.body()).isEqualTo(200);
        String escalatedId = requestId(escalated);
        awaitRow("SELECT 1 FROM attempts WHERE request_id = ? AND seq = 1", escalatedId);
        logIn();
        try {
            for (String page : List.of("overview", "requests", "policies", "router", "training")) {
                visit(page);
                assertThat(scriptRan()).as("a script ran on %s", page).isFalse();
            }
            visit("keys");
            assertThat(scriptRan()).isFalse();
            assertThat(text("#keys")).contains("key " + payload);
            visit("backends");
            assertThat(scriptRan()).isFalse();
            assertThat(text("#backends")).contains("Bad key " + payload);
            trail(answered);
            assertThat(scriptRan()).isFalse();
            assertThat(text("#page")).contains("Small says: " + payload);
            trail(escalatedId);
            assertThat(scriptRan()).isFalse();
            assertThat(text("#trail")).contains("Bad key " + payload);
        } finally {
            browser.manage().deleteAllCookies();
        }
    }

    private static List<String> requestIds() {
        return browser.findElements(By.cssSelector("#requests-table a.trail-link")).stream()
                .map(WebElement::getText)
                .toList();
    }

    /** Opens a request's trail from the requests page, as an administrator would. */
    private void trail(String requestId) {
        visit("requests");
        browser.findElements(By.cssSelector("#requests-table a.trail-link")).stream()
                .filter(l -> l.getText().equals(requestId))
                .findFirst()
                .orElseThrow()
                .click();
        new WebDriverWait(browser, WAIT)
                .until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#page h1"), requestId));
        await(By.cssSelector("#page[data-page=request] #trail"));
    }

    private static boolean scriptRan() {
        return (Boolean) ((JavascriptExecutor) browser).executeScript("return window.__xss !== undefined");
    }

    private static String requestId(HttpResponse<String> response) {
        return response.headers().firstValue("x-ponder-request-id").orElseThrow();
    }

    /** Types a policy's maximum cost into its form, saves, and waits for the page to show the saved policies. */
    private void saveBudget(String policy, String maxCostUsd) {
        WebElement form = browser.findElement(By.cssSelector("form[data-policy=" + policy + "]"));
        WebElement field = form.findElement(By.name("max_cost_usd"));
        field.clear();
        field.sendKeys(maxCostUsd);
        form.findElement(By.tagName("button")).click();
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.stalenessOf(form));
        await(By.cssSelector("form[data-policy=" + policy + "]"));
    }

    /** Logs in afresh, whatever session another test left. */
    private void logIn() {
        browser.get(base() + "/admin/login");
        browser.manage().deleteAllCookies();
        browser.get(base() + "/admin/");
        browser.findElement(By.name("username")).sendKeys("admin");
        browser.findElement(By.name("password")).sendKeys("console-test-password");
        browser.findElement(By.cssSelector("form button[type=submit]")).click();
        // The click returns before the login's POST is answered; a navigation now would abort it (seen under load:
        // the next page found no session and showed the login form). The console rendering a page proves the session.
        await(By.cssSelector("#page[data-page]"));
    }

    /** A candidate version as the retraining job stores it (the console lists it; nothing loads its artifact). */
    private void storeRouterVersion() {
        jdbc.update("""
                INSERT INTO router_models (version, sha256, artifact, card, metrics, curves, thresholds,
                    logprob_weights, status, created_at)
                VALUES ('retrain-console-test', 'abc', '\\x00', '{}', '{"logprobs": {"source": "fitted"}}',
                    '{"candidate": [{"threshold": 0.5, "strong_share": 0.5, "quality": 0.8}]}',
                    '{"default": [0.4], "hard": [0.15]}', '[1.5, 2.0, 0.25, -3.0, 0.125]', 'candidate', now())""");
    }

    /** Real traffic through the API: easy requests, and one the cheap tier abstains on, whose id is returned. */
    private String sendTraffic() {
        for (String prompt : List.of("What is 2 + 2?", "Name a colour.", "Say hello.")) {
            post("/v1/chat/completions", "application/json", body(prompt));
        }
        String id = post("/v1/chat/completions", "application/json", body("What is the capital of Atlantis?"))
                .headers()
                .firstValue("x-ponder-request-id")
                .orElseThrow();
        awaitRow("SELECT 1 FROM attempts WHERE request_id = ? AND seq = 1", id);
        return id;
    }

    private static String body(String prompt) {
        return body("ponder", prompt);
    }

    private static String body(String model, String prompt) {
        return JsonMapper.shared()
                .writeValueAsString(
                        Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", prompt))));
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private void visit(String page) {
        browser.get(base() + "/admin/#" + page);
        await(By.cssSelector("#page[data-page=" + page + "]"));
        assertThat(browser.findElements(By.cssSelector("#page .error"))).isEmpty();
    }

    private static void await(By locator) {
        new WebDriverWait(browser, WAIT)
                // What the browser showed instead, for a timeout seen only in CI.
                .withMessage(() -> "at " + browser.getCurrentUrl() + ", showing: "
                        + browser.findElement(By.tagName("body")).getText())
                .until(ExpectedConditions.presenceOfElementLocated(locator));
    }

    private static String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    private static void shot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
