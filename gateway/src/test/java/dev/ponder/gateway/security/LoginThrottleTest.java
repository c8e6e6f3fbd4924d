package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.gateway.security.LoginThrottle.Attempt;
import dev.ponder.gateway.security.UsageMeterTest.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    private static final Instant NOON = Instant.parse("2026-03-02T12:00:00Z");
    private static final Attempt ADMITTED = new Attempt.Admitted();

    private final MutableClock clock = new MutableClock(NOON);
    private final LoginThrottle throttle = new LoginThrottle(
            new SecurityProperties.Login(3, Duration.ofSeconds(30), Duration.ofMinutes(5), 1000), clock);

    @Test
    void afterMaxFailuresAnAddressIsRefusedForTheLockoutWhateverNameItTries() {
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.attempt("10.0.0.1", "guess-" + i)).isEqualTo(ADMITTED);
        }

        assertThat(throttle.attempt("10.0.0.1", "another")).isEqualTo(new Attempt.Refused(Duration.ofSeconds(30)));
        later(Duration.ofSeconds(20));
        assertThat(throttle.attempt("10.0.0.1", "admin")).isEqualTo(new Attempt.Refused(Duration.ofSeconds(10)));
        assertThat(throttle.attempt("10.0.0.2", "admin")).as("another address").isEqualTo(ADMITTED);
        later(Duration.ofSeconds(10));
        assertThat(throttle.attempt("10.0.0.1", "admin")).isEqualTo(ADMITTED);
    }

    @Test
    void afterMaxFailuresANameIsRefusedFromEveryAddress() {
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.attempt("10.0.1." + i, "admin")).isEqualTo(ADMITTED);
        }

        assertThat(throttle.attempt("10.0.1.9", "admin")).isEqualTo(new Attempt.Refused(Duration.ofSeconds(30)));
        assertThat(throttle.attempt("10.0.1.9", "someone-else")).isEqualTo(ADMITTED);
    }

    @Test
    void eachFailureAfterALockoutDoublesTheNextUpToTheLongest() {
        for (int i = 0; i < 3; i++) {
            throttle.attempt("10.0.0.1", "admin");
        }
        Duration expected = Duration.ofSeconds(30);
        for (Duration next : new Duration[] {
            Duration.ofSeconds(60),
            Duration.ofSeconds(120),
            Duration.ofSeconds(240),
            Duration.ofMinutes(5),
            Duration.ofMinutes(5)
        }) {
            assertThat(throttle.attempt("10.0.0.1", "admin")).isEqualTo(new Attempt.Refused(expected));
            later(expected);
            assertThat(throttle.attempt("10.0.0.1", "admin")).isEqualTo(ADMITTED);
            expected = next;
        }
        assertThat(throttle.attempt("10.0.0.1", "admin")).isEqualTo(new Attempt.Refused(Duration.ofMinutes(5)));
    }

    @Test
    void aSuccessClearsItsAddressAndName() {
        for (int i = 0; i < 2; i++) {
            throttle.attempt("10.0.0.1", "admin");
        }
        throttle.succeeded("10.0.0.1", "admin");

        for (int i = 0; i < 3; i++) {
            assertThat(throttle.attempt("10.0.0.1", "admin")).isEqualTo(ADMITTED);
        }
    }

    @Test
    void anAddressQuietForTheLongestLockoutAfterItsLockIsForgotten() {
        for (int i = 0; i < 3; i++) {
            throttle.attempt("10.0.0.1", "guess-" + i);
        }
        later(Duration.ofSeconds(30).plus(Duration.ofMinutes(5)).minusSeconds(1));
        assertThat(throttle.attempt("10.0.0.1", "x"))
                .as("still remembered: a fourth failure")
                .isEqualTo(ADMITTED);
        assertThat(throttle.attempt("10.0.0.1", "y")).isEqualTo(new Attempt.Refused(Duration.ofSeconds(60)));

        later(Duration.ofSeconds(60).plus(Duration.ofMinutes(5)).plusSeconds(1));
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.attempt("10.0.0.1", "again-" + i)).isEqualTo(ADMITTED);
        }
    }

    @Test
    void longNamesAreKeptCutSoThatTheyCannotFillTheHeap() {
        String prefix = "n".repeat(LoginThrottle.LONGEST_NAME);
        for (int i = 0; i < 3; i++) {
            throttle.attempt("10.0.2." + i, prefix + "-" + "x".repeat(10_000 + i));
        }

        assertThat(throttle.attempt("10.0.2.9", prefix + "-other")).isInstanceOf(Attempt.Refused.class);
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheProperty() {
        assertThatThrownBy(() -> new SecurityProperties.Login(0, null, null, null))
                .hasMessageContaining("ponder.security.login.max-failures")
                .hasMessageContaining("0");
        assertThatThrownBy(() -> new SecurityProperties.Login(null, Duration.ofMillis(10), null, null))
                .hasMessageContaining("ponder.security.login.lockout")
                .hasMessageContaining("PT0.01S");
        assertThatThrownBy(() -> new SecurityProperties.Login(null, Duration.ofMinutes(2), Duration.ofMinutes(1), null))
                .hasMessageContaining("ponder.security.login.max-lockout")
                .hasMessageContaining("PT1M");
        assertThatThrownBy(() -> new SecurityProperties.Login(null, null, null, 0))
                .hasMessageContaining("ponder.security.login.tracked");
    }

    private void later(Duration by) {
        clock.set(clock.instant().plus(by));
    }
}
