package dev.ponder.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Throttles console logins per client address and per user name, so that a password guesser neither gets far nor
 * burns a BCrypt (~80 ms of CPU) per guess: each attempt counts as a failure when it is let through (so concurrent
 * guesses cannot slip past the count) and a login that succeeds clears its address and name. After
 * {@code maxFailures} attempts, each further one is refused until a lockout has passed, the first as long as
 * {@code lockout}, doubling up to {@code maxLockout}. Memory is bounded: at most {@code tracked} addresses and as many
 * names (the least used go first), names cut to {@value #LONGEST_NAME} characters, each forgotten
 * {@code maxLockout} after its last attempt or the end of its lock.
 */
final class LoginThrottle {

    static final int LONGEST_NAME = 100;

    /** What became of an attempt to log in. */
    sealed interface Attempt {
        /** Let through to check the password. */
        record Admitted() implements Attempt {}

        /** Refused without checking anything: the address or name is locked for {@code retryAfter}. */
        record Refused(Duration retryAfter) implements Attempt {
            public Refused {
                if (retryAfter.isNegative() || retryAfter.isZero()) {
                    throw new IllegalArgumentException("retryAfter must be > 0 but was " + retryAfter);
                }
            }
        }
    }

    /** Attempts since the last success, and until when further ones are refused ({@code until} ≤ now: none). */
    private record Failures(int count, Instant until) {}

    private final SecurityProperties.Login rules;
    private final Clock clock;
    private final ConcurrentMap<String, Failures> addresses;
    private final ConcurrentMap<String, Failures> names;

    LoginThrottle(SecurityProperties.Login rules, Clock clock) {
        this.rules = rules;
        this.clock = clock;
        this.addresses = cache().asMap();
        this.names = cache().asMap();
    }

    private Cache<String, Failures> cache() {
        return Caffeine.newBuilder()
                .maximumSize(rules.tracked())
                // The injected clock drives forgetting as it drives the locks.
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .expireAfter(Expiry.<String, Failures>writing((key, failures) ->
                        Duration.between(clock.instant(), failures.until().plus(rules.maxLockout()))))
                .build();
    }

    /** Counts an attempt from {@code address} for {@code name}, or refuses it while either is locked. */
    Attempt attempt(String address, String name) {
        Instant now = clock.instant();
        Attempt byAddress = count(addresses, address, now);
        return byAddress instanceof Attempt.Admitted ? count(names, key(name), now) : byAddress;
    }

    /** A login succeeded: its address and name start afresh. */
    void succeeded(String address, String name) {
        addresses.remove(address);
        names.remove(key(name));
    }

    private Attempt count(ConcurrentMap<String, Failures> failures, String key, Instant now) {
        Attempt[] outcome = {new Attempt.Admitted()};
        failures.compute(key, (k, last) -> {
            if (last != null && last.until().isAfter(now)) {
                outcome[0] = new Attempt.Refused(Duration.between(now, last.until()));
                return last;
            }
            int count = last == null ? 1 : last.count() + 1;
            return new Failures(count, count < rules.maxFailures() ? now : now.plus(lockout(count)));
        });
        return outcome[0];
    }

    private Duration lockout(int count) {
        Duration lockout = rules.lockout();
        for (int i = rules.maxFailures(); i < count && lockout.compareTo(rules.maxLockout()) < 0; i++) {
            lockout = lockout.multipliedBy(2);
        }
        return lockout.compareTo(rules.maxLockout()) > 0 ? rules.maxLockout() : lockout;
    }

    private static String key(String name) {
        if (name == null) {
            return "";
        }
        return name.length() <= LONGEST_NAME ? name : name.substring(0, LONGEST_NAME);
    }
}
