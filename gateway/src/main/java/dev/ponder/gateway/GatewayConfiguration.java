package dev.ponder.gateway;

import dev.ponder.cascade.AbstentionDetector;
import dev.ponder.cascade.AnswerSignal;
import dev.ponder.cascade.CascadeEngine;
import dev.ponder.cascade.DifficultyScorer;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.config.StartupFailure;
import dev.ponder.gateway.learning.RouterModels;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.gateway.routing.ScorerSignal;
import dev.ponder.providers.BackendFactory;
import dev.ponder.providers.BackendSpec;
import dev.ponder.providers.GuardedBackend;
import dev.ponder.providers.HealthProber;
import dev.ponder.router.RouterModel;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Turns configuration into the core: backends, policies, the cascade engine. */
@Configuration(proxyBeanMethods = false)
class GatewayConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GatewayConfiguration.class);

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    Routes routes(PonderProperties properties, Clock clock) {
        if (properties.demo()) {
            log.info("No ponder.backends configured: serving the bundled replay backends (RouterBench sample)");
        }
        BackendFactory factory = new BackendFactory(clock);
        Map<String, ModelBackend> backends = new LinkedHashMap<>();
        properties.effectiveBackends().forEach((name, spec) -> backends.put(name, backend(factory, name, spec)));
        try {
            return Routes.of(properties, backends);
        } catch (IllegalArgumentException e) {
            // Routes names the ponder.policies / ponder.default-policy property in its messages.
            throw StartupFailure.configuration(e.getMessage(), e);
        }
    }

    private static ModelBackend backend(BackendFactory factory, String name, BackendSpec spec) {
        try {
            return factory.create(name, spec);
        } catch (IllegalArgumentException e) {
            throw StartupFailure.configuration("ponder.backends." + name + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            // The dataset file: say why it could not be read (missing, a directory, no permission).
            throw StartupFailure.configuration(
                    "ponder.backends." + name + ": " + e.getMessage() + " (" + e.getCause() + ")", e);
        }
    }

    /** Probes every backend in the background, so that its health shows in metrics and the console before traffic. */
    @Bean(destroyMethod = "close")
    HealthProber healthProber(
            Routes routes, @Value("${ponder.health.probe-interval:PT30S}") java.time.Duration interval) {
        return new HealthProber(
                routes.backends().values().stream()
                        .filter(GuardedBackend.class::isInstance)
                        .map(GuardedBackend.class::cast)
                        .toList(),
                interval);
    }

    /**
     * The active router model scores the last user message: the text the request asks the model to act on. The model
     * is read from memory on each request, so a promotion or rollback takes effect without a restart.
     */
    @Bean
    DifficultyScorer difficultyScorer(RouterModels models) {
        RouterModel model = models.current();
        log.info("Router model {} (sha256 {})", model.version(), model.checksum());
        return request -> models.current().difficulty(request.lastUserText());
    }

    /** The active router model's answer scorer judges lower tiers' answers: the cascade's scorer signal. */
    @Bean
    AnswerSignal answerSignal(RouterModels models) {
        return new ScorerSignal(() -> models.current().answerScorer());
    }

    /** The logprob signal reads the active router version's fitted weights, so a promotion swaps them in too. */
    @Bean
    CascadeEngine cascadeEngine(DifficultyScorer scorer, AnswerSignal answerSignal, RouterModels models, Clock clock) {
        return new CascadeEngine(scorer, new AbstentionDetector(), answerSignal, models::logprobs, clock);
    }
}
