package dev.ponder.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.gateway.routing.Routes;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** A bad {@code ponder.*} setting stops the start with one line that names it, not a chain of bean exceptions. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {

    private static final String SAMPLE = "src/main/resources/ponder/demo/routerbench-sample.jsonl";

    @Test
    void aStartWithABadSettingReportsItsPropertyAndValueWithoutAStackTrace(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(RoutesOnly.class)
                        .web(WebApplicationType.NONE)
                        .properties("ponder.backends.x.type=bogus", "ponder.backends.x.model=m")
                        .run())
                .hasRootCauseMessage(
                        "backend 'x' has unknown type 'bogus' (use openai, ollama, anthropic, gemini or replay)");

        assertThat(output.getOut())
                .contains("APPLICATION FAILED TO START")
                .contains("ponder.backends.x: backend 'x' has unknown type 'bogus'")
                .doesNotContain("Caused by")
                .doesNotContain("\tat ");
    }

    @Test
    void aTierThatIsNotABackendIsNamedWithItsPolicy() {
        assertThatThrownBy(() -> routes("ponder.policies.default.tiers=a,nope"))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.policies.default names tier 'nope', which is not a backend; backends are [a]");
    }

    @Test
    void cascadeRulesOnThresholdsAndBudgetsNameThePolicyProperty() {
        assertThatThrownBy(() -> routes("ponder.policies.default.tiers=a,a", "ponder.policies.default.thresholds=1.5"))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.policies.default: policy 'default' thresholds must rise within [0, 1] but were"
                        + " [1.5]");
        assertThatThrownBy(() -> routes("ponder.policies.default.tiers=a", "ponder.policies.default.max-cost-usd=-1"))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.policies.default: maxCostUsd must be >= 0 but was -1.0");
    }

    @Test
    void aBackendNamedPonderIsRefusedBecauseThatModelNameRoutesAutomatically() {
        assertThatThrownBy(() -> routes(
                        "ponder.backends.ponder.type=replay",
                        "ponder.backends.ponder.model=gpt-4-1106-preview",
                        "ponder.backends.ponder.dataset=" + SAMPLE))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.backends.ponder: the backend name 'ponder' is taken by automatic routing"
                        + " (model: ponder); give the backend another name");
    }

    @Test
    void aReplayDatasetThatCannotBeReadIsNamedWithTheReason() {
        assertThatThrownBy(() -> routes("ponder.backends.a.dataset=/nonexistent/outcomes.jsonl"))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.backends.a: cannot read replay dataset /nonexistent/outcomes.jsonl"
                        + " (java.nio.file.NoSuchFileException: /nonexistent/outcomes.jsonl)");
    }

    /** The routes of a configuration with one replay backend {@code a} over the bundled sample, plus {@code extra}. */
    private static Routes routes(String... extra) {
        try (var context = new SpringApplicationBuilder(PropertiesOnly.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "ponder.backends.a.type=replay",
                        "ponder.backends.a.model=gpt-4-1106-preview",
                        "ponder.backends.a.dataset=" + SAMPLE)
                .properties(extra)
                .run()) {
            return new GatewayConfiguration().routes(context.getBean(PonderProperties.class), Clock.systemUTC());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(PonderProperties.class)
    static class PropertiesOnly {}

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(PonderProperties.class)
    static class RoutesOnly {
        @Bean
        Routes routes(PonderProperties properties) {
            return new GatewayConfiguration().routes(properties, Clock.systemUTC());
        }
    }
}
