package dev.ponder.gateway.console;

import dev.ponder.gateway.GatewayTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.test.context.TestPropertySource;

/**
 * The console on a big log: seeds 1,000,000 requests (and ~1.3 attempts each) over the last 30 days into the real
 * partitioned tables, then calls every page's JSON over HTTP and prints the median and max latency of 10 calls after
 * 2 warm-ups. It asserts nothing about time (see docs/console.md, "Performance on big logs"). Run:
 *
 * <pre>./mvnw -B -q -pl gateway test -Dtest=ConsoleBenchmark -Dponder.bench.console=true</pre>
 */
@EnabledIfSystemProperty(named = "ponder.bench.console", matches = "true")
@TestPropertySource(
        properties = {"ponder.security.admin.password=bench-password", "ponder.security.admin.token=bench-token"})
class ConsoleBenchmark extends GatewayTest {

    private static final int REQUESTS = Integer.getInteger("ponder.bench.console.requests", 1_000_000);
    private static final int WARM_UPS = 2;
    private static final int CALLS = 10;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void printsTheLatencyOfEveryConsolePage() throws Exception {
        long seedStart = System.nanoTime();
        seed();
        System.out.printf(
                Locale.ROOT, "Seeded %,d requests in %.1f s%n", REQUESTS, (System.nanoTime() - seedStart) / 1e9);

        String id = jdbc.queryForObject(
                "SELECT request_id FROM requests WHERE escalations > 0 ORDER BY created_at LIMIT 1 OFFSET 1000",
                String.class);
        Map<String, String> pages = new LinkedHashMap<>();
        for (String range : new String[] {"1h", "24h", "7d", "30d"}) {
            pages.put("overview " + range, "/admin/api/console/overview?range=" + range);
        }
        pages.put("requests (default 24h)", "/admin/api/console/requests");
        pages.put("requests policy=hard", "/admin/api/console/requests?policy=hard");
        pages.put("requests backend=large", "/admin/api/console/requests?backend=large");
        pages.put("requests status=failed", "/admin/api/console/requests?status=failed");
        pages.put("requests 30d status=failed", "/admin/api/console/requests?range=30d&status=failed");
        pages.put("requests q=common word", "/admin/api/console/requests?q=median");
        pages.put("requests 30d q=common word", "/admin/api/console/requests?range=30d&q=median");
        pages.put("requests q=rare text", "/admin/api/console/requests?q=zzqx");
        pages.put("requests 30d q=rare text", "/admin/api/console/requests?range=30d&q=zzqx");
        pages.put("requests q=request id", "/admin/api/console/requests?range=30d&q=" + id);
        pages.put(
                "requests page 2 (before=)",
                "/admin/api/console/requests?before=" + Instant.now().minusSeconds(600));
        pages.put("request trail", "/admin/api/console/requests/" + id);
        pages.put("backends", "/admin/api/console/backends");
        pages.put("policies", "/admin/api/console/policies");
        pages.put("training runs", "/admin/api/console/training-runs");
        pages.put("whatif 7d", "/admin/api/console/whatif?policy=default&threshold=0.5");
        pages.put("whatif 30d", "/admin/api/console/whatif?policy=default&threshold=0.5&range=30d");

        System.out.printf(Locale.ROOT, "%n| page | median ms | max ms |%n|---|---:|---:|%n");
        for (Map.Entry<String, String> page : pages.entrySet()) {
            double[] ms = time(page.getValue());
            System.out.printf(
                    Locale.ROOT, "| %s | %.1f | %.1f |%n", page.getKey(), ms[ms.length / 2], ms[ms.length - 1]);
        }
    }

    private double[] time(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer bench-token")
                .GET()
                .build();
        double[] ms = new double[CALLS];
        for (int i = -WARM_UPS; i < CALLS; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            double elapsed = (System.nanoTime() - start) / 1e6;
            if (response.statusCode() != 200) {
                throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
            }
            if (i >= 0) {
                ms[i] = elapsed;
            }
        }
        Arrays.sort(ms);
        return ms;
    }

    /**
     * A realistic mix: policy default (starts small, 43% escalate to large) and hard (straight to large), 2%
     * failures, long-tailed latencies, priced large tokens, prompts of ~300 characters from a small vocabulary with
     * a rare word in one request of 100,000.
     */
    private void seed() {
        jdbc.queryForList("SELECT ponder_ensure_partitions(current_date - 31, 40)");
        jdbc.update("""
                INSERT INTO requests (request_id, created_at, policy, requested_model, score, start_tier, status,
                                      http_status, answered_by, answered_model, answered_tier, attempts, escalations,
                                      total_ms, backend_ms, input_tokens, output_tokens, cost_usd, stream, error,
                                      prompt, answer, key_id)
                SELECT 'chatcmpl-bench-' || i, created_at, policy, 'ponder', score,
                       CASE WHEN policy = 'hard' THEN 1 ELSE 0 END, status,
                       CASE WHEN status = 'failed' THEN 502 ELSE 200 END,
                       CASE WHEN status = 'answered' THEN backend END,
                       CASE WHEN status = 'answered' THEN model END,
                       CASE WHEN status = 'answered' THEN tier END,
                       escalations + 1, escalations, backend_ms + 3, backend_ms, input_tokens, output_tokens,
                       CASE WHEN backend = 'large' THEN (input_tokens * 2.5 + output_tokens * 10) / 1e6 ELSE 0 END
                           * (escalations + 1),
                       i % 10 = 0,
                       CASE WHEN status = 'failed' THEN 'no backend could answer' END,
                       format('Request %s: how would you %s the %s of a %s %s when the %s is %s? Explain step by '
                              || 'step with an example in %s and say what could go wrong. %s Context: %s %s',
                              i, (ARRAY['sort', 'find', 'compute', 'explain', 'merge', 'reverse'])[1 + i % 6],
                              (ARRAY['median', 'sum', 'history', 'capital', 'shape', 'cost', 'graph'])[1 + i % 7],
                              (ARRAY['large', 'sorted', 'sparse', 'small', 'noisy'])[1 + i % 5],
                              (ARRAY['list', 'tree', 'country', 'matrix', 'poem', 'budget'])[1 + i % 11 % 6],
                              (ARRAY['input', 'user', 'network', 'teacher'])[1 + i % 13 % 4],
                              (ARRAY['empty', 'late', 'unknown', 'huge'])[1 + i % 17 % 4],
                              (ARRAY['Java', 'Python', 'SQL', 'prose'])[1 + i % 19 % 4],
                              CASE WHEN i % 100000 = 7 THEN 'zzqx' ELSE '' END,
                              md5(i::text), md5((i * 31)::text)),
                       'The answer to request ' || i || ' is ' || repeat('well reasoned ', 12),
                       CASE WHEN i % 4 = 0 THEN 'key-' || i % 20 END
                FROM (
                    SELECT i, now() - (i - 1) * interval '30 days' / ?::integer AS created_at,
                           policy, score, escalations, status,
                           CASE WHEN policy = 'hard' OR escalations > 0 THEN 'large' ELSE 'small' END AS backend,
                           CASE WHEN policy = 'hard' OR escalations > 0 THEN 'gpt-4o' ELSE 'llama3.2:3b' END AS model,
                           CASE WHEN policy = 'hard' OR escalations > 0 THEN 1 ELSE 0 END AS tier,
                           CASE WHEN policy = 'hard' OR escalations > 0 THEN 600 ELSE 150 END
                               * (1 + escalations) * exp(random() * 2) AS backend_ms,
                           (50 + random() * 450)::integer AS input_tokens,
                           (20 + random() * 780)::integer AS output_tokens
                    FROM (
                        SELECT i, policy, score,
                               CASE WHEN policy = 'default' AND score > 0.57 THEN 1 ELSE 0 END AS escalations,
                               CASE WHEN random() < 0.02 THEN 'failed' ELSE 'answered' END AS status
                        FROM (
                            SELECT i, CASE WHEN random() < 0.7 THEN 'default' ELSE 'hard' END AS policy,
                                   random() AS score
                            FROM generate_series(1, ?) i
                        ) p
                    ) e
                ) r
                """, REQUESTS, REQUESTS);
        jdbc.update("""
                INSERT INTO attempts (request_id, created_at, seq, tier, tier_name, backend, model, verdict, latency_ms,
                                      first_token_ms, input_tokens, output_tokens, cost_usd, signals, error)
                SELECT request_id, created_at, seq, tier, tier_name, tier_name, NULL,
                       CASE WHEN status = 'failed' AND seq = attempts THEN 'failed'
                            WHEN seq < attempts THEN 'escalated' ELSE 'accepted' END,
                       backend_ms / attempts, NULL, input_tokens, output_tokens, cost_usd / attempts,
                       '{"idk": 0.3}'::jsonb, NULL
                FROM requests CROSS JOIN LATERAL generate_series(1, attempts) seq
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN policy = 'hard' OR seq = 2 THEN 1 ELSE 0 END AS tier,
                           CASE WHEN policy = 'hard' OR seq = 2 THEN 'large' ELSE 'small' END AS tier_name
                ) t
                """);
        // The gateway rolls up usage hourly as it runs; a log seeded in one go needs each of its days rolled up.
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (LocalDate day = today.minusDays(31); !day.isAfter(today); day = day.plusDays(1)) {
            jdbc.queryForList("SELECT ponder_rollup_usage(?)", day);
        }
        jdbc.execute("ANALYZE requests");
        jdbc.execute("ANALYZE attempts");
        // What the console's first overview does on a log nobody has looked at yet; later ones roll up one hour.
        long rollupStart = System.nanoTime();
        jdbc.queryForList("SELECT ponder_rollup_console(now() - interval '5 minutes')");
        System.out.printf(
                Locale.ROOT, "Rolled up 30 days of hours in %.1f s%n", (System.nanoTime() - rollupStart) / 1e9);
    }
}
