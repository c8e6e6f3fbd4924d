package dev.ponder.gateway.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.security.SecurityProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class SettingsCheckTest {

    @Test
    void aMistypedTopLevelSettingStopsTheStartNamingItAndWhereItIsSet() {
        assertThatThrownBy(() -> start("--ponder.backend.x.type=openai"))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.backend.x.type: Ponder has no such setting (set at \"ponder.backend.x.type\" from"
                        + " property source \"commandLineArgs\")");
    }

    @Test
    void aMistypedFieldOfAPolicyIsNamedOnceInsteadOfThePolicySilentlyMissing() {
        assertThatThrownBy(() -> start(
                        "--ponder.policies.p.tierz[0]=a",
                        "--ponder.policies.p.tierz[1]=a",
                        "--ponder.backends.a.modle=m"))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.backends.a.modle: Ponder has no such setting (set at \"ponder.backends.a.modle\""
                        + " from property source \"commandLineArgs\"); ponder.policies.p.tierz: Ponder has no such"
                        + " setting (set at \"ponder.policies.p.tierz[0]\" from property source \"commandLineArgs\")");
    }

    @Test
    void theValueOfAnUnknownSettingIsNotRepeatedForItMayBeAMisnamedSecret() {
        assertThatThrownBy(() -> start("--ponder.backends.a.api-kye=sk-secret"))
                .hasMessageStartingWith("ponder.backends.a.api-kye: Ponder has no such setting")
                .hasMessageNotContaining("sk-secret");
    }

    @Test
    void settingsPonderReadsArePassedIncludingListsMapsAndThoseReadOutsideItsPropertiesClasses() {
        assertThatCode(() -> start(
                        "--ponder.backends.a.type=openai",
                        "--ponder.backends.a.model=m",
                        "--ponder.backends.a.price.input=1",
                        "--ponder.policies.p.tiers=a,a",
                        "--ponder.policies.p.thresholds[0]=0.5",
                        "--ponder.policies.p.signals.scorer=0.7",
                        "--ponder.policies.p.fallback.answer=busy",
                        "--ponder.default-policy=p",
                        "--ponder.health.probe-interval=PT1M",
                        "--ponder.embedded.data-dir=/tmp/x",
                        "--ponder.console.policy-refresh=PT1S",
                        "--ponder.learning.reload-interval=PT1S",
                        "--ponder.embedded.attach-to-running=false"))
                .doesNotThrowAnyException();
    }

    @Test
    void aListSetWholeByAnArgumentLeavesTheElementsAFileGaveItUnboundButNotUnknown() {
        assertThatCode(() -> new SpringApplicationBuilder(Context.class)
                        .web(WebApplicationType.NONE)
                        .properties("ponder.policies.p.tiers[0]=a", "ponder.policies.p.tiers[1]=b")
                        .run("--ponder.policies.p.tiers=a")
                        .close())
                .doesNotThrowAnyException();
    }

    @Test
    void aDurationWithoutAUnitIsRefusedInsteadOfMeaningMilliseconds() {
        assertThatThrownBy(() -> start(
                        "--ponder.policies.p.tiers=a",
                        "--ponder.policies.p.deadline=30",
                        "--ponder.console.policy-refresh=10"))
                .isInstanceOf(StartupFailure.class)
                .hasMessage(
                        "ponder.console.policy-refresh: '10' has no unit, which would mean 10 milliseconds; write it"
                                + " as 10s, 10ms or 10m (set at \"ponder.console.policy-refresh\" from property source"
                                + " \"commandLineArgs\"); ponder.policies.p.deadline: '30' has no unit, which would mean 30"
                                + " milliseconds; write it as 30s, 30ms or 30m (set at \"ponder.policies.p.deadline\" from"
                                + " property source \"commandLineArgs\")");
        assertThatCode(() -> start(
                        "--ponder.policies.p.tiers=a",
                        "--ponder.policies.p.deadline=30s",
                        "--ponder.outcomes.linger=0",
                        "--ponder.outcomes.retention=PT48H"))
                .doesNotThrowAnyException();
    }

    @Test
    void aDurationWithoutAUnitInAVariableIsRefusedButNotOneThatAnArgumentOverrides() {
        StandardEnvironment variables = new StandardEnvironment();
        variables
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of("PONDER_SECURITY_SYNC_INTERVAL", "2", "PONDER_POLICIES_P_DEADLINE", "30")));

        assertThatThrownBy(() -> new SpringApplicationBuilder(Context.class)
                        .web(WebApplicationType.NONE)
                        .environment(variables)
                        .run("--ponder.policies.p.tiers=a", "--ponder.policies.p.deadline=30s")
                        .close())
                .isInstanceOf(StartupFailure.class)
                .hasMessageStartingWith(
                        "ponder.security.sync-interval: '2' has no unit, which would mean 2 milliseconds;")
                .hasMessageNotContaining("deadline");
    }

    @Test
    void aBadValueOfAKnownSettingIsLeftToItsOwnBindingError() {
        assertThatThrownBy(() -> start("--ponder.policies.p.tiers="))
                .hasStackTraceContaining("a policy needs at least one tier")
                .isNotInstanceOf(StartupFailure.class);
    }

    private static void start(String... args) {
        new SpringApplicationBuilder(Context.class)
                .web(WebApplicationType.NONE)
                .run(args)
                .close();
    }

    @Configuration(proxyBeanMethods = false)
    // application.yml sets ponder.security.*: its properties class is part of what Ponder reads.
    @EnableConfigurationProperties({PonderProperties.class, SecurityProperties.class})
    @Import(SettingsCheck.class)
    static class Context {}
}
