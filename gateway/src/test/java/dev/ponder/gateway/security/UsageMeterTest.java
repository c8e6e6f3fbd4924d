package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UsageMeterTest {

    private static final Instant NOON = Instant.parse("2026-11-22T12:00:30Z");
    private final Clock clock = Clock.fixed(NOON, ZoneOffset.UTC);
    private static final String MINUTE = "m" + NOON.getEpochSecond() / 60;
    private static final Limits TPM_2000 = new Limits(null, 2000, null, null);
    /** More than a fair half of TPM 2000. */
    private static final Usage LARGE = new Usage(1, 1430, 0);

    private final UsageMeter meter = new UsageMeter(clock, Duration.ofSeconds(1));

    @Test
    void refusesTheRequestBeyondTheRequestsPerMinuteWithRetryAfterTheMinute() {
        Limits limits = new Limits(2, null, null, null);

        settle(meter.admit("k", limits, new Usage(1, 0, 0)));
        settle(meter.admit("k", limits, new Usage(1, 0, 0)));
        Admission third = meter.admit("k", limits, new Usage(1, 0, 0));

        assertThat(third)
                .isEqualTo(new Admission.Rejected(Admission.Reason.REQUESTS_PER_MINUTE, Duration.ofSeconds(30)));
    }

    @Test
    void countsRequestsInFlightAgainstTheLimitBeforeTheySettle() {
        Limits limits = new Limits(null, null, 1.0, null);

        Admission first = meter.admit("k", limits, new Usage(1, 10, 0.6));
        Admission second = meter.admit("k", limits, new Usage(1, 10, 0.6));

        assertThat(first).isInstanceOf(Admission.Admitted.class);
        assertThat(second).isEqualTo(new Admission.Rejected(Admission.Reason.BUDGET_SPENT, null));
    }

    @Test
    void settlesWithTheRealCostSoThatAnOverEstimateIsGivenBack() {
        Limits limits = new Limits(null, null, 1.0, null);
        Reservation reservation = admitted(meter.admit("k", limits, new Usage(1, 10, 0.9)));
        reservation.record(10, 0.1);
        meter.settle(reservation);
        meter.settle(reservation);

        assertThat(meter.admit("k", limits, new Usage(1, 10, 0.85))).isInstanceOf(Admission.Admitted.class);
        assertThat(meter.usage("k").get("d2026-11-22").costUsd())
                .isCloseTo(0.95, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aRequestThatCannotCostAnythingPassesASpentBudget() {
        Limits limits = new Limits(null, null, 0.0, 0.0);

        assertThat(meter.admit("k", limits, new Usage(1, 100, 0.0001))).isInstanceOf(Admission.Rejected.class);
        assertThat(meter.admit("k", limits, new Usage(1, 100, 0))).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void aNewMinuteStartsFreshButTheDayKeepsCounting() {
        MutableClock moving = new MutableClock(NOON);
        UsageMeter meter = new UsageMeter(moving, Duration.ofSeconds(1));
        Limits limits = new Limits(1, null, 1.0, null);
        Reservation r = admitted(meter.admit("k", limits, new Usage(1, 0, 0.7)));
        r.record(5, 0.7);
        meter.settle(r);
        assertThat(meter.admit("k", limits, new Usage(1, 0, 0))).isInstanceOf(Admission.Rejected.class);

        moving.set(NOON.plusSeconds(60));

        assertThat(meter.admit("k", limits, new Usage(1, 0, 0.2))).isInstanceOf(Admission.Admitted.class);
        assertThat(meter.admit("k2", limits, new Usage(1, 0, 0.5))).isInstanceOf(Admission.Admitted.class);
        assertThat(meter.admit("k", new Limits(null, null, 1.0, null), new Usage(1, 0, 0.2)))
                .isEqualTo(new Admission.Rejected(Admission.Reason.BUDGET_SPENT, null));
    }

    @Test
    void aRequestThatFitsThisReplicasNextShareRetriesAfterOneSyncOneThatNeedsTheOthersToGiveBackAfterTwo() {
        holdingHalfOfTpm2000(meter);
        admitted(meter.admit("k", TPM_2000, new Usage(1, 900, 0)));

        assertThat(meter.admit("k", TPM_2000, new Usage(1, 200, 0)))
                .isEqualTo(new Admission.Rejected(Admission.Reason.REPLICA_SHARE, Duration.ofSeconds(1)));
        assertThat(meter.admit("k", TPM_2000, new Usage(1, 600, 0)))
                .isEqualTo(new Admission.Rejected(Admission.Reason.REPLICA_SHARE, Duration.ofSeconds(2)));
    }

    @Test
    void aRequestRefusedForLackOfShareIsAskedForUntilARequestAsLargeIsAdmitted() {
        holdingHalfOfTpm2000(meter);

        meter.admit("k", TPM_2000, new Usage(1, 1200, 0));
        meter.admit("k", TPM_2000, LARGE);
        assertThat(meter.demands().get("k")).isEqualTo(new UsageMeter.Demand(LARGE, NOON, NOON));

        meter.apply(Map.of(), Map.of(new UsageMeter.Delta("k", MINUTE), new Usage(0, 1430, 0)), 2);
        admitted(meter.admit("k", TPM_2000, LARGE));
        assertThat(meter.demands()).isEmpty();
    }

    @Test
    void whileALargerRequestWaitsSmallerOnesMayNotUseTheRoomItNeedsNorKeepItsAskAlive() {
        MutableClock moving = new MutableClock(NOON);
        UsageMeter meter = askingForLarge(moving);

        moving.set(NOON.plusSeconds(3));
        assertThat(meter.admit("k", TPM_2000, new Usage(1, 100, 0)))
                .as("fits the share, but not beside the larger request")
                .isEqualTo(new Admission.Rejected(Admission.Reason.REPLICA_SHARE, Duration.ofSeconds(2)));
        assertThat(meter.demands().get("k").last()).isEqualTo(NOON);
    }

    @Test
    void aWaitingRequestThatNoLongerFitsTheLimitItselfStopsHoldingRoom() {
        UsageMeter meter = askingForLarge(clock);
        meter.apply(
                Map.of(new UsageMeter.Delta("k", MINUTE), new Usage(2, 700, 0)),
                Map.of(new UsageMeter.Delta("k", MINUTE), new Usage(0, 650, 0)),
                2);

        assertThat(meter.admit("k", TPM_2000, LARGE))
                .extracting(a -> ((Admission.Rejected) a).reason())
                .isEqualTo(Admission.Reason.TOKENS_PER_MINUTE);
        assertThat(meter.demands()).isEmpty();
    }

    @Test
    void anAskNoRefusalRenewedForFiveSyncIntervalsLapses() {
        MutableClock moving = new MutableClock(NOON);
        UsageMeter meter = askingForLarge(moving);

        moving.set(NOON.plusSeconds(5));
        assertThat(meter.demands()).containsOnlyKeys("k");
        moving.set(NOON.plusSeconds(6));
        assertThat(meter.demands()).isEmpty();
    }

    /** A meter on {@code clock} holding half of TPM 2000 that refused {@link #LARGE}: it asks for more share. */
    private static UsageMeter askingForLarge(Clock clock) {
        UsageMeter meter = new UsageMeter(clock, Duration.ofSeconds(1));
        holdingHalfOfTpm2000(meter);
        meter.admit("k", TPM_2000, LARGE);
        return meter;
    }

    /** As after a sync among two replicas with nothing used yet: this one's share of the minute is 1000 tokens. */
    private static void holdingHalfOfTpm2000(UsageMeter meter) {
        meter.apply(Map.of(), Map.of(new UsageMeter.Delta("k", MINUTE), new Usage(0, 1000, 0)), 2);
    }

    /** Many threads hammer one key: the admitted estimates never exceed the limits, and all settle to the totals. */
    @Test
    void concurrentRequestsNeverSpendMoreThanTheBudgetOrExceedTheRate() throws Exception {
        Limits limits = new Limits(500, null, 1.0, null);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger overBudget = new AtomicInteger();
        AtomicInteger overRate = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 100; i++) {
                        switch (meter.admit("k", limits, new Usage(1, 100, 0.003))) {
                            case Admission.Admitted a -> {
                                admitted.incrementAndGet();
                                a.reservation().record(100, 0.002);
                                meter.settle(a.reservation());
                            }
                            case Admission.Rejected r -> {
                                (r.reason() == Admission.Reason.BUDGET_SPENT ? overBudget : overRate).incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        }
        Map<String, Usage> usage = meter.usage("k");
        assertThat(usage.get("d2026-11-22").costUsd()).isLessThanOrEqualTo(1.0);
        assertThat(usage.get("d2026-11-22").costUsd())
                .isCloseTo(admitted.get() * 0.002, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(admitted.get()).isLessThanOrEqualTo(500);
        assertThat(usage.get(MINUTE).requests()).isEqualTo(admitted.get());
        assertThat(overBudget.get() + overRate.get()).isEqualTo(1600 - admitted.get());
    }

    private static Reservation admitted(Admission admission) {
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        return ((Admission.Admitted) admission).reservation();
    }

    private void settle(Admission admission) {
        meter.settle(admitted(admission));
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant at) {
            now = at;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
