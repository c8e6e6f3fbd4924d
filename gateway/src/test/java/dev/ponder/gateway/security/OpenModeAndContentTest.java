package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

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
