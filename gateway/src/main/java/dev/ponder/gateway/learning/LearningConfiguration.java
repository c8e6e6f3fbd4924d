package dev.ponder.gateway.learning;

import dev.ponder.cascade.ModelBackend;
import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.security.SharedBudgets;
import dev.ponder.router.RouterModel;
import java.nio.file.Path;
import java.time.Clock;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** The learning loop's beans: the hot-reloadable router model, shadow sampling, the retraining job. */
@Configuration(proxyBeanMethods = false)
class LearningConfiguration {

    @Bean
    RouterModels routerModels(JdbcTemplate jdbc, TransactionTemplate tx, Routes routes, LearningProperties properties) {
        return new RouterModels(jdbc, tx, routes, bundled(properties.model()));
    }

    /** Served while no stored version is active: the jar's model, or the one {@code ponder.learning.model} names. */
    static RouterModel bundled(Path artifact) {
        if (artifact == null) {
            return RouterModel.loadDefault();
        }
        try {
            return RouterModel.load(artifact);
        } catch (IllegalArgumentException e) {
            throw StartupFailure.configuration("ponder.learning.model: " + e.getMessage(), e);
        }
    }

    /** Shadow sampling follows served requests: the web gateway's, not the retrain job's (which has no key budgets). */
    @Bean(destroyMethod = "close")
    @ConditionalOnWebApplication
    ShadowSampler shadowSampler(
            Routes routes, JdbcTemplate jdbc, LearningProperties properties, SharedBudgets budgets, Clock clock) {
        LearningProperties.Shadow shadow = properties.shadow();
        ModelBackend judge = null;
        if (shadow.judge() != null) {
            judge = routes.backends().get(shadow.judge());
            if (judge == null) {
                throw StartupFailure.configuration(
                        "ponder.learning.shadow.judge '" + shadow.judge() + "' is not a backend; backends are "
                                + routes.backends().keySet(),
                        null);
            }
        }
        return new ShadowSampler(
                routes,
                new Labels(jdbc),
                new Judge(shadow.judge(), judge, shadow.shortAnswerChars()),
                shadow.rate(),
                budgets.daily("shadow", shadow.dailyBudgetUsd()),
                clock,
                RandomGenerator.getDefault());
    }

    @Bean
    RetrainJob retrainJob(
            DataSource dataSource,
            JdbcTemplate jdbc,
            TransactionTemplate tx,
            RouterModels models,
            Routes routes,
            LearningProperties properties,
            Clock clock) {
        return new RetrainJob(dataSource, jdbc, tx, models, routes, properties.retrain(), clock);
    }
}
