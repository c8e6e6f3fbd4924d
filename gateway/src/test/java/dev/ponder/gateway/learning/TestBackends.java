package dev.ponder.gateway.learning;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.Budget;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.router.RouterModel;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Backends for tests that call the learning loop's parts directly, without a gateway. */
final class TestBackends {

    private TestBackends() {}

    /** A backend {@code name} serving model {@code name-1} at 1 USD per million tokens, answering with {@code chat}. */
    static ModelBackend of(String name, Function<ChatRequest, ChatAnswer> chat) {
        return new ModelBackend() {
            @Override
            public BackendInfo info() {
                return new BackendInfo(name, "test", name + "-1", null, new Price(1, 1));
            }

            @Override
            public ChatAnswer chat(ChatRequest request) {
                return chat.apply(request);
            }
        };
    }

    /**
     * The retraining job with its default settings on {@code dataSource}, for one policy with a single tier (nothing to
     * calibrate), which the job never calls.
     */
    static RetrainJob retrainJob(DataSource dataSource, Clock clock) {
        LearningProperties.Retrain settings =
                new LearningProperties.Retrain(null, null, null, null, null, null, null, null, null, null, null);
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        ModelBackend idle = of("large", request -> {
            throw new AssertionError("retraining never calls a backend");
        });
        Routes routes = new Routes(
                Map.of(), Map.of("one", new CascadePolicy("one", List.of(new Tier("large", idle)), null, null)), "one");
        return new RetrainJob(
                dataSource,
                jdbc,
                tx,
                new RouterModels(jdbc, tx, routes, RouterModel.loadDefault()),
                routes,
                settings,
                clock);
    }

    /** Routes with one policy, the default: tier {@code low} below threshold 0.5, tier {@code high} above it. */
    static Routes twoTiers(String policy, String low, ModelBackend lowBackend, String high, ModelBackend highBackend) {
        return new Routes(
                Map.of(low, lowBackend, high, highBackend),
                Map.of(
                        policy,
                        new CascadePolicy(
                                policy,
                                List.of(new Tier(low, lowBackend), new Tier(high, highBackend)),
                                List.of(0.5),
                                Budget.UNLIMITED)),
                policy);
    }
}
