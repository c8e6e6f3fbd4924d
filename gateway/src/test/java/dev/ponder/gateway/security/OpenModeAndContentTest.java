package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.TestTiers;
import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.SecurityProperties.PolicyRules;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class OpenModeAndContentTest {

    @Test
    void openModeIsOnlyForTheEmbeddedDefaultUnlessSetExplicitly() {
        assertThat(SecurityConfiguration.openMode(null, false, null)).isTrue();
        assertThat(SecurityConfiguration.openMode(null, true, null)).isFalse();
        assertThat(SecurityConfiguration.openMode(null, false, "jdbc:postgresql://db/ponder"))
                .isFalse();
        assertThat(SecurityConfiguration.openMode(true, true, "jdbc:postgresql://db/ponder"))
                .isTrue();
        assertThat(SecurityConfiguration.openMode(false, false, null)).isFalse();
    }

    @Test
    void contentRulesForANameThatIsNoPolicyNorBackendStopTheStartInsteadOfApplyingToNothing() {
        Tier small = TestTiers.of("small", Price.FREE);
        Routes routes = new Routes(
                Map.of("small", small.backend()),
                Map.of("default", new CascadePolicy("default", List.of(small), List.of(), null)),
                "default");
        PolicyRules redacted = new PolicyRules(null, "redacted");

        assertThatThrownBy(() -> SecurityConfiguration.requireRoutes(rules(Map.of("defualt", redacted)), routes))
                .isInstanceOf(StartupFailure.class)
                .hasMessage("ponder.security.policies.defualt: 'defualt' is not a policy nor a backend; policies are"
                        + " [default], backends [small]");
        assertThatCode(() -> SecurityConfiguration.requireRoutes(
                        rules(Map.of("default", redacted, "small", redacted)), routes))
                .doesNotThrowAnyException();
    }

    private static SecurityProperties rules(Map<String, PolicyRules> policies) {
        return new SecurityProperties(null, null, null, null, null, policies, null, null);
    }

    @Test
    void redactionMasksAddressesNumbersAndKeysButKeepsTheRest() {
        String text = "Mail jane.doe@example.com, card 4111 1111 1111 1111, key sk-proj-abcdefgh12345678 please";

        assertThat(ContentLogging.REDACTED.keep(text))
                .isEqualTo("Mail [redacted], card [redacted], key [redacted] please");
        assertThat(ContentLogging.FULL.keep(text)).isEqualTo(text);
        assertThat(ContentLogging.OFF.keep(text)).isNull();
    }

    @Test
    void theStrictestOfTheGlobalPolicyAndKeySettingsWins() {
        MockHttpServletRequest request = new MockHttpServletRequest();
        assertThat(ContentLogging.of(request, true)).isEqualTo(ContentLogging.FULL);
        assertThat(ContentLogging.of(request, false)).isEqualTo(ContentLogging.OFF);

        request.setAttribute(ContentLogging.ATTRIBUTE, ContentLogging.REDACTED);

        assertThat(ContentLogging.of(request, true)).isEqualTo(ContentLogging.REDACTED);
        assertThat(ContentLogging.of(request, false)).isEqualTo(ContentLogging.OFF);
        assertThat(ContentLogging.FULL.stricter(null)).isEqualTo(ContentLogging.FULL);
    }
}
