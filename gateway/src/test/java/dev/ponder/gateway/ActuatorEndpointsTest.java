package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The endpoints the Helm chart's probes and ServiceMonitor call exist, answer without credentials, and say the truth. */
class ActuatorEndpointsTest extends GatewayTest {

    @Test
    void livenessAndReadinessGroupsAreUp() throws InterruptedException {
        // Readiness also waits for the router's warm-up (RouterWarmUpHealth), which runs once the context is up.
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (get("/readyz").statusCode() != 200 && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        for (String path :
                new String[] {"/actuator/health/liveness", "/actuator/health/readiness", "/livez", "/readyz"}) {
            HttpResponse<String> response = get(path);

            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).contains("\"status\":\"UP\"");
        }
    }

    @Test
    void prometheusShowsPondersMetricsAfterARequestAndNoSecret() {
        HttpResponse<String> chat = post(
                "/v1/chat/completions",
                "application/json",
                "{\"model\":\"ponder\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of Atlantis?\"}]}");
        assertThat(chat.statusCode()).isEqualTo(200);

        HttpResponse<String> scrape = get("/actuator/prometheus");

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body())
                .contains(
                        "ponder_requests_total{backend=\"large\",outcome=\"answered\",policy=\"default\",status=\"200\","
                                + "tier=\"large\"}")
                .contains("ponder_tier_decisions_total{policy=\"default\",tier=\"small\"}")
                .contains(
                        "ponder_escalations_total{from=\"small\",policy=\"default\",reason=\"escalated\",to=\"large\"}")
                .contains("ponder_cost_usd_total{backend=\"large\",policy=\"default\"}")
                .contains("ponder_tokens_total{backend=\"large\",direction=\"output\"}")
                .contains("ponder_request_duration_seconds_bucket{policy=\"default\",status=\"200\",le=\"0.1\"}")
                .contains("ponder_attempt_duration_seconds_count{backend=\"small\",verdict=\"escalated\"}")
                .contains("ponder_backend_circuit_state{backend=\"small\",state=\"closed\"} 1.0")
                .contains("ponder_backend_circuit_state{backend=\"small\",state=\"open\"} 0.0")
                .contains("ponder_backend_calls_in_flight{backend=\"large\"}")
                .contains("ponder_outcome_log_queue_depth ")
                .contains("ponder_outcome_log_dropped_total ")
                // Spring's request timer, by endpoint: what operators' dashboards read besides Ponder's own meters
                .contains("http_server_requests_seconds_count{error=\"none\",exception=\"none\",method=\"POST\","
                        + "outcome=\"SUCCESS\",status=\"200\",uri=\"/v1/chat/completions\"}")
                .doesNotContain("sk-upstream-secret");
    }
}
