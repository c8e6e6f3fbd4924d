package dev.ponder.gateway.outcomes;

import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.embedded.EmbeddedDatabaseConfiguration;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
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
    OutcomeLog outcomeLog(
            @Value("${spring.datasource.url:}") String datasourceUrl,
            @Value(EmbeddedDatabaseConfiguration.DATA_DIR) Path embeddedDataDir) {
        return new OutcomeLog(
                jdbc,
                journal.dirFor(datasourceUrl, embeddedDataDir),
                settings.queueCapacity(),
                settings.batchSize(),
                journal.probeInterval(),
                settings.linger());
    }

    /**
     * Keeps a week of partitions ready ahead, so that no insert finds its day missing; rolls up today's usage, the
     * earlier days that received rows since their last rollup (a journal replayed late) and the console's hours, so
     * that the rollups hold every day before retention drops its partition; drops expired days. Each step goes on
     * when another fails. Creating and dropping a partition locks its whole table, so those functions give up after
     * a short lock timeout (V26) rather than queue the outcome writer behind a long read: they are retried an hour
     * later, and partitions are created days ahead.
     */
    @Scheduled(initialDelay = 0, fixedDelayString = "PT1H")
    void maintainPartitions() {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        upkeep(
                "partition creation",
                () -> jdbc.queryForList("SELECT ponder_ensure_partitions(?, 9)", today.minusDays(1)));
        upkeep("rollup", () -> {
            jdbc.queryForList("SELECT ponder_rollup_usage(?)", today);
            jdbc.queryForList("SELECT ponder_rollup_usage_marked(?)", today);
            // The console's hourly rollups, kept current here so that no page view pays for a backlog.
            jdbc.queryForList(
                    "SELECT ponder_rollup_console(?)",
                    Timestamp.from(clock.instant().minus(Duration.ofMinutes(5))));
        });
        upkeep("retention", () -> {
            Integer dropped = jdbc.queryForObject(
                    "SELECT ponder_drop_partitions_before(?)",
                    Integer.class,
                    today.minusDays(settings.retention().toDays()));
            if (dropped != null && dropped > 0) {
                log.info("Outcome log retention dropped {} daily partitions", dropped);
            }
        });
    }

    private static void upkeep(String step, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            log.warn("Outcome log {} failed, will retry within the hour: {}", step, OutcomeLog.brief(e));
        }
    }
}
