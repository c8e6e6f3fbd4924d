package dev.ponder.gateway.embedded;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The embedded default: with no {@code spring.datasource.url}, Ponder runs a PostgreSQL of its own whose data lives
 * under {@code ~/.ponder/} (so the outcome log survives restarts). With a URL configured, none of this starts.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedDatabaseConfiguration.NoDatasourceConfigured.class)
public class EmbeddedDatabaseConfiguration {

    /**
     * Set by {@code retrain}: use the embedded PostgreSQL of a gateway running on the same data directory, so that the
     * job can run beside it (and the gateway pick up what it promotes).
     */
    public static final String ATTACH = "ponder.embedded.attach-to-running";

    /** Where the embedded PostgreSQL keeps its data, as a placeholder; the outcome journal is named after it. */
    public static final String DATA_DIR = "${ponder.embedded.data-dir:${user.home}/.ponder/pgdata}";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedDatabase embeddedDatabase(@Value(DATA_DIR) Path dataDir, @Value("${" + ATTACH + ":false}") boolean attach) {
        log.info("No spring.datasource.url configured: starting the embedded PostgreSQL in {}", dataDir);
        return EmbeddedDatabase.start(dataDir, attach);
    }

    @Bean
    DataSource dataSource(EmbeddedDatabase database) {
        return DataSourceBuilder.create()
                .url(database.jdbcUrl())
                .username("postgres")
                .build();
    }

    static final class NoDatasourceConfigured implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty("spring.datasource.url");
            return url == null || url.isBlank();
        }
    }
}
