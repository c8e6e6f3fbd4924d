package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.ponder.gateway.TestDatabase;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** Several gateways share one PostgreSQL: a key's budget holds across them, within the documented overshoot. */
class ReplicaSyncTest {

    private static final Instant NOW = Instant.parse("2026-11-22T12:00:10Z");
    private final UsageMeterTest.MutableClock clock = new UsageMeterTest.MutableClock(NOW);
    private JdbcTemplate jdbc;

    @BeforeEach
    void database() {
        SingleConnectionDataSource db = new SingleConnectionDataSource(TestDatabase.create(), "postgres", "", true);
        Flyway.configure()
                .dataSource(db)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        jdbc = new JdbcTemplate(db);
    }

    private record Replica(UsageMeter meter, UsageSync sync) {}

    private Replica replica(String id) {
        UsageMeter meter = new UsageMeter(clock, Duration.ofSeconds(1));
        UsageSync sync = new UsageSync(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(jdbc.getDataSource())),
                meter,
                new KeyStore(jdbc),
                new KeyCache(),
                clock,
                Duration.ofSeconds(1),
                id);
        return new Replica(meter, sync);
    }

    private void key(Limits limits) {
        new KeyStore(jdbc)
                .insert(new VirtualKey(
                        "k", "hash-of-k", "pk-abcde", "test", "team", null, null, limits, null, null, NOW, null));
    }

    /** Replicas a, b and c, each synced twice: the first sync of each saw only the replicas started before it. */
    private List<Replica> threeSyncedReplicas() {
        List<Replica> replicas = List.of(replica("a"), replica("b"), replica("c"));
        replicas.forEach(r -> r.sync().run());
        replicas.forEach(r -> r.sync().run());
        return replicas;
    }

    @Test
    void threeReplicasSpendingInTurnStayWithinTheBudgetAndAgreeOnTheTotal() {
        Limits limits = new Limits(null, null, 1.0, null);
        key(limits);
        List<Replica> replicas = threeSyncedReplicas();
        int admitted = 0;
        // Each round every replica takes what requests its share lets it, then syncs, the syncs staggered.
        for (int round = 0; round < 40; round++) {
            for (Replica r : replicas) {
                while (r.meter().admit("k", limits, new Usage(1, 10, 0.01)) instanceof Admission.Admitted a) {
                    a.reservation().record(10, 0.01);
                    r.meter().settle(a.reservation());
                    admitted++;
                }
                r.sync().run();
            }
        }
        replicas.forEach(r -> r.sync().run());

        double total = jdbc.queryForObject(
                "SELECT cost_usd FROM key_usage WHERE key_id = 'k' AND period = 'd2026-11-22'", Double.class);
        assertThat(total).isCloseTo(admitted * 0.01, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(total).as("never over the budget").isLessThanOrEqualTo(1.0 + 1e-9);
        assertThat(total).as("the shares converge on the budget").isGreaterThan(0.95);
        for (Replica r : replicas) {
            assertThat(r.meter().usage("k").get("d2026-11-22").costUsd())
                    .isCloseTo(total, org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    @Test
    void theGatewaysOwnDailyBudgetHoldsAcrossReplicasAsAKeysDoes() {
        List<Replica> replicas = List.of(replica("a"), replica("b"), replica("c"));
        List<SharedBudgets.Budget> shadow = replicas.stream()
                .map(r -> new SharedBudgets(r.meter()).daily("shadow", 1.0))
                .toList();
        replicas.forEach(r -> r.sync().run());
        replicas.forEach(r -> r.sync().run());
        int spent = 0;
        for (int round = 0; round < 40; round++) {
            for (int i = 0; i < replicas.size(); i++) {
                while (shadow.get(i).reserve(0.01).orElse(null) instanceof SharedBudgets.Spending s) {
                    s.settle(0.01);
                    spent++;
                }
                replicas.get(i).sync().run();
            }
        }
        replicas.forEach(r -> r.sync().run());

        double total = jdbc.queryForObject(
                "SELECT cost_usd FROM key_usage WHERE key_id = 'budget:shadow' AND period = 'd2026-11-22'",
                Double.class);
        assertThat(total).isCloseTo(spent * 0.01, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(total).as("the replicas together, not each, stay within it").isLessThanOrEqualTo(1.0 + 1e-9);
        assertThat(total).isGreaterThan(0.95);
        assertThat(shadow.getFirst().reserve(0.01))
                .as("spent for the day on every replica")
                .isEmpty();
    }

    @Test
    void aReplicaAloneMayUseAllThatIsLeftAndReplicasThatStoppedNoLongerTakeAShare() {
        Limits limits = new Limits(10, null, null, null);
        key(limits);
        Replica a = replica("a");
        Replica b = replica("b");
        // b, started first, took all while alone, and gives back half at its next sync.
        for (Replica r : List.of(b, a, b, a)) {
            r.sync().run();
        }

        int whileTwo = 0;
        while (a.meter().admit("k", limits, new Usage(1, 0, 0)) instanceof Admission.Admitted x) {
            a.meter().settle(x.reservation());
            whileTwo++;
        }
        assertThat(whileTwo).as("half of 10 while two replicas are live").isEqualTo(5);
        assertThat(a.meter().admit("k", limits, new Usage(1, 0, 0)))
                .isEqualTo(new Admission.Rejected(Admission.Reason.REPLICA_SHARE, Duration.ofSeconds(1)));

        jdbc.update("DELETE FROM gateway_replicas WHERE replica_id = 'b'");
        a.sync().run();
        int alone = 0;
        while (a.meter().admit("k", limits, new Usage(1, 0, 0)) instanceof Admission.Admitted x) {
            a.meter().settle(x.reservation());
            alone++;
        }
        assertThat(alone).isEqualTo(5);
        assertThat(a.meter().admit("k", limits, new Usage(1, 0, 0)))
                .isInstanceOf(Admission.Rejected.class)
                .extracting(r -> ((Admission.Rejected) r).reason())
                .isEqualTo(Admission.Reason.REQUESTS_PER_MINUTE);
    }

    /**
     * TPM 2000 over two replicas: a fair share is 1000, so a request estimated at 1430 tokens fits neither, although
     * the key has room for it. The refused replica asks for it at its sync, the other gives back its idle share at
     * its own, and at the next sync of the first it fits: within the Retry-After the client was given.
     */
    @Test
    void aRequestLargerThanAFairShareIsAdmittedOnceTheOtherReplicaGivesBackItsIdleShare() {
        Limits limits = new Limits(null, 2000, null, null);
        key(limits);
        Replica a = replica("a");
        Replica b = replica("b");
        for (Replica r : List.of(b, a, b, a)) {
            r.sync().run();
        }
        Usage large = new Usage(1, 1430, 0);

        assertThat(a.meter().admit("k", limits, large))
                .as("the other replica must give back first: two syncs")
                .isEqualTo(new Admission.Rejected(Admission.Reason.REPLICA_SHARE, Duration.ofSeconds(2)));
        for (Replica r : List.of(a, b, a)) {
            r.sync().run();
        }

        assertThat(a.meter().admit("k", limits, large)).isInstanceOf(Admission.Admitted.class);
        assertThat(b.meter().admit("k", limits, new Usage(1, 570, 0)))
                .as("b keeps what is left")
                .isInstanceOf(Admission.Admitted.class);
        assertThat(b.meter().admit("k", limits, new Usage(1, 1, 0))).isInstanceOf(Admission.Rejected.class);
    }

    /**
     * Three replicas each get a request of $4 of a $10 daily budget (more than a fair third) while small requests
     * keep coming on all of them and requests stay in flight for a round. The asks are served one at a time, so
     * that the two large requests the budget has room for get through and the third is told the budget is spent:
     * neither refused for ever nor waiting on each other. After every sync the written total plus all shares stays
     * within the budget, and so does what was admitted.
     */
    @Test
    void largeRequestsOnEveryReplicaAreServedInTurnWithoutPassingTheBudget() {
        Limits limits = new Limits(null, null, 10.0, null);
        key(limits);
        List<Replica> replicas = threeSyncedReplicas();
        Usage large = new Usage(1, 10, 4.0);
        Usage small = new Usage(1, 10, 0.05);
        java.util.Map<Replica, Admission> largeOutcome = new java.util.HashMap<>();
        java.util.Map<Replica, List<Reservation>> inFlight = new java.util.HashMap<>();
        double admitted = 0;
        for (int round = 0; round < 30; round++) {
            // A round is a sync interval: a later ask is younger, and is served after the older ones.
            clock.set(NOW.plusSeconds(round));
            for (Replica r : replicas) {
                List<Reservation> before = inFlight.getOrDefault(r, List.of());
                before.forEach(x -> settleAtEstimate(r, x));
                List<Reservation> now = new java.util.ArrayList<>();
                if (!(largeOutcome.get(r) instanceof Admission.Admitted)
                        && !(largeOutcome.get(r) instanceof Admission.Rejected x
                                && x.reason() == Admission.Reason.BUDGET_SPENT)) {
                    Admission outcome = r.meter().admit("k", limits, large);
                    largeOutcome.put(r, outcome);
                    if (outcome instanceof Admission.Admitted a) {
                        now.add(a.reservation());
                        admitted += 4.0;
                    }
                }
                for (int i = 0; i < 3 && r.meter().admit("k", limits, small) instanceof Admission.Admitted a; i++) {
                    now.add(a.reservation());
                    admitted += 0.05;
                }
                inFlight.put(r, now);
                r.sync().run();
                assertThat(jdbc.queryForObject("""
                                SELECT coalesce((SELECT cost_usd FROM key_usage
                                        WHERE key_id = 'k' AND period = 'd2026-11-22'), 0)
                                    + (SELECT sum(cost_usd) FROM key_shares WHERE key_id = 'k' AND period = 'd2026-11-22')
                                """, Double.class))
                        .as("written plus shares after round %d", round)
                        .isLessThanOrEqualTo(10.0 + 1e-9);
            }
        }
        replicas.forEach(r -> inFlight.getOrDefault(r, List.of()).forEach(x -> settleAtEstimate(r, x)));
        replicas.forEach(r -> r.sync().run());

        assertThat(largeOutcome.values())
                .filteredOn(Admission.Admitted.class::isInstance)
                .as("room for two large requests")
                .hasSize(2);
        assertThat(largeOutcome.values())
                .filteredOn(Admission.Rejected.class::isInstance)
                .singleElement()
                .isEqualTo(new Admission.Rejected(Admission.Reason.BUDGET_SPENT, null));
        double total = jdbc.queryForObject(
                "SELECT cost_usd FROM key_usage WHERE key_id = 'k' AND period = 'd2026-11-22'", Double.class);
        assertThat(total).isCloseTo(admitted, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(total).as("never over the budget").isLessThanOrEqualTo(10.0 + 1e-9);
        assertThat(total).isGreaterThan(9.5);
    }

    private static void settleAtEstimate(Replica r, Reservation reservation) {
        reservation.record(
                reservation.estimate().tokens(), reservation.estimate().costUsd());
        r.meter().settle(reservation);
    }

    @Test
    void shutdownDoesNotWaitForAnUnreachableDatabase() throws Exception {
        CountDownLatch unreachable = new CountDownLatch(1);
        DataSource hanging = (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    unreachable.await();
                    throw new SQLException("unreachable");
                });
        JdbcTemplate down = new JdbcTemplate(hanging);
        UsageSync sync = new UsageSync(
                down,
                new TransactionTemplate(new DataSourceTransactionManager(hanging)),
                new UsageMeter(clock, Duration.ofSeconds(1)),
                new KeyStore(down),
                new KeyCache(),
                clock,
                Duration.ofSeconds(1),
                "r1");
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(20), sync::close);
        } finally {
            unreachable.countDown();
        }
    }
}
