package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.config.StartupFailure;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class AdminBootstrapTest {

    @Test
    void aPasswordLongerThanBcryptCanHashStopsTheStartNamingItsPropertyButNotItsValue() {
        // 96 characters, as a generated passphrase may have: BCrypt hashes at most 72 bytes.
        String password = "Long-Passphrase-".repeat(6);
        SecurityProperties security = new SecurityProperties(
                null,
                null,
                null,
                null,
                new SecurityProperties.Admin(null, password, null, null, null),
                null,
                null,
                null);
        AdminSecurityConfiguration configuration = new AdminSecurityConfiguration();

        // Refused before the database is touched.
        assertThatThrownBy(() ->
                        configuration.adminUsers(null, configuration.passwordEncoder(), security, Clock.systemUTC()))
                .isInstanceOf(StartupFailure.class)
                .hasMessageStartingWith("ponder.security.admin.password")
                .hasMessageContaining("96 bytes")
                .hasMessageContaining("at most 72 bytes")
                .hasMessageNotContaining(password);
    }
}
