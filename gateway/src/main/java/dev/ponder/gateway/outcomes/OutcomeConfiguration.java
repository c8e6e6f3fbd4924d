package dev.ponder.gateway.outcomes;

import dev.ponder.gateway.config.PonderProperties;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;

/** The outcome log writer, and the upkeep of its daily partitions: create ahead, drop past retention. */
@Configuration(proxyBeanMethods = false)
class OutcomeConfiguration {

    private static final Logger log = LoggerFactory.getLogger(OutcomeConfiguration.class);

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final PonderProperties.Outcomes settings;
    private final JournalProperties journal;

    OutcomeConfiguration(JdbcTemplate jdbc, Clock clock, PonderProperties properties, JournalProperties journal) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.settings = properties.outcomes();
        this.journal = journal;
    }

    @Bean(destroyMethod = "close")
    OutcomeLog outcomeLog() {
        return new OutcomeLog(
                jdbc, journal.dir(), settings.queueCapacity(), settings.batchSize(), journal.probeInterval());
    }

    /**
     * Keeps a week of partitions ready ahead, so that no insert finds its day missing; rolls up yesterday's and
     * today's usage (and the console's hours), so that the rollups hold every day before retention drops its partition;
     * drops expired days.
     */
    @Scheduled(initialDelay = 0, fixedDelayString = "PT1H")
    void maintainPartitions() {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        try {
            jdbc.queryForList("SELECT ponder_ensure_partitions(?, 9)", today.minusDays(1));
            jdbc.queryForList("SELECT ponder_rollup_usage(?)", today.minusDays(1));
            jdbc.queryForList("SELECT ponder_rollup_usage(?)", today);
            // The console's hourly rollups, kept current here so that no page view pays for a backlog.
            jdbc.queryForList(
                    "SELECT ponder_rollup_console(?)",
                    java.sql.Timestamp.from(clock.instant().minus(java.time.Duration.ofMinutes(5))));
            Integer dropped = jdbc.queryForObject(
                    "SELECT ponder_drop_partitions_before(?)",
                    Integer.class,
                    today.minusDays(settings.retention().toDays()));
            if (dropped != null && dropped > 0) {
                log.info("Outcome log retention dropped {} daily partitions", dropped);
            }
        } catch (RuntimeException e) {
            log.warn("Outcome log partition upkeep failed, will retry: {}", e.getMessage());
        }
    }
}
