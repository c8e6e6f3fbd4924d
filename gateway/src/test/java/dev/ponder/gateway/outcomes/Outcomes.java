package dev.ponder.gateway.outcomes;

import dev.ponder.cascade.Attempt;
import dev.ponder.cascade.TokenUsage;
import dev.ponder.cascade.Trail;
import dev.ponder.cascade.Verdict;
import dev.ponder.gateway.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * Outcomes as a two-tier cascade produces them (the cheap tier escalated, the large tier answered), and a fresh
 * migrated database to log them to.
 */
final class Outcomes {

    private Outcomes() {}

    static Outcome escalated(String id, Instant at) {
        Trail trail = new Trail(
                "default",
                0.3,
                0,
                at,
                Duration.ofMillis(40),
                List.of(
                        new Attempt(
                                0,
                                "small",
                                "small",
                                "llama3.2:3b",
                                Duration.ofMillis(10),
                                null,
                                new TokenUsage(12, 3),
                                0,
                                Map.of("answer_score", 0.2),
                                Verdict.ESCALATED,
                                null,
                                null),
                        new Attempt(
                                1,
                                "large",
                                "large",
                                "gpt-4o",
                                Duration.ofMillis(25),
                                null,
                                new TokenUsage(12, 20),
                                0.0003,
                                Map.of(),
                                Verdict.ACCEPTED,
                                null,
                                null)));
        return new Outcome(
                id, at, "ponder", false, 200, 1, "large", "gpt-4o", 41.5, trail, null, "What is 2+2?", "4", "key-1");
    }

    static JdbcTemplate migratedDatabase() {
        JdbcTemplate jdbc = new JdbcTemplate(
                new SimpleDriverDataSource(new org.postgresql.Driver(), TestDatabase.create(), "postgres", ""));
        Flyway.configure()
                .dataSource(jdbc.getDataSource())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return jdbc;
    }
}
