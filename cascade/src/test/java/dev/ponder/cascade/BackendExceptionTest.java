package dev.ponder.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.cascade.BackendException.Action;
import dev.ponder.cascade.BackendException.Failure;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The failure kind the gateway turns into 503, 504 or 502 comes from structure, never from the message. */
class BackendExceptionTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(Action.GIVE_UP, 400, null, null, Failure.REJECTED),
                Arguments.of(Action.ESCALATE, 0, null, null, Failure.UNAVAILABLE),
                Arguments.of(Action.RETRY, 429, "rate_limit", null, Failure.UNAVAILABLE),
                Arguments.of(Action.ESCALATE, 503, null, null, Failure.UNAVAILABLE),
                Arguments.of(Action.RETRY, 529, "overloaded_error", null, Failure.UNAVAILABLE),
                Arguments.of(Action.ESCALATE, 500, "server_error", null, Failure.BAD_UPSTREAM),
                Arguments.of(Action.ESCALATE, 504, null, null, Failure.TIMEOUT),
                Arguments.of(Action.ESCALATE, 0, "timeout", null, Failure.TIMEOUT),
                Arguments.of(Action.ESCALATE, 0, null, new RuntimeException(new TimeoutException()), Failure.TIMEOUT),
                Arguments.of(Action.ESCALATE, 0, null, new HttpTimeoutException("read"), Failure.TIMEOUT),
                Arguments.of(Action.ESCALATE, 0, null, BackendException.timeout("inner", null), Failure.TIMEOUT));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void infersTheFailureKind(Action action, int status, String type, Throwable cause, Failure expected) {
        assertThat(new BackendException(action, "up to no good", status, type, null, cause).failure())
                .isEqualTo(expected);
    }
}
