package dev.ponder.gateway.learning;

import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.embedded.EmbeddedDatabaseConfiguration;
import java.io.PrintStream;
import java.util.Arrays;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;

/**
 * {@code ponder.jar retrain [--spring.datasource.url=...] [--ponder.learning.retrain.x=y ...]}: runs the retraining
 * job once, with the gateway's configuration (so the same database, backends and policies) but without its web
 * server, and exits 0 when a version was promoted or held for review, 2 when there was nothing to train on, 3 when
 * another run holds the lock.
 */
public final class RetrainCommand {

    private RetrainCommand() {}

    /**
     * What the job needs and nothing of the web gateway: the database (embedded or configured, migrated by Flyway),
     * the backends and policies, the router models. Not a {@code @Configuration}, so that the gateway's own component
     * scan does not pick it up; as the application's primary source it is processed all the same.
     */
    @EnableAutoConfiguration
    @EnableConfigurationProperties({PonderProperties.class, LearningProperties.class})
    @ComponentScan(
            basePackages = "dev.ponder.gateway",
            useDefaultFilters = false,
            includeFilters = @ComponentScan.Filter(Configuration.class),
            excludeFilters =
                    @ComponentScan.Filter(
                            type = FilterType.REGEX,
                            pattern = "dev\\.ponder\\.gateway\\.(?!learning\\.|embedded\\.|GatewayConfiguration).*"))
    static class Context {}

    static final String USAGE = "usage: java -jar ponder.jar retrain [--property=value ...]  (e.g."
            + " --spring.datasource.url=jdbc:postgresql://db/ponder --ponder.learning.retrain.seed-data=FILE;"
            + " see docs/learning.md)";

    /** The job's Spring context: the gateway's configuration, no web server, and so no readiness or router warm-up. */
    static ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(Context.class)
                .web(WebApplicationType.NONE)
                .properties(
                        // On the embedded default, the gateway usually runs: share its PostgreSQL.
                        EmbeddedDatabaseConfiguration.ATTACH + "=true",
                        // application.yml's readiness group names the router warm-up, a web-only indicator.
                        "management.endpoint.health.validate-group-membership=false")
                .run(properties);
    }

    /**
     * Called by {@code PonderApplication.main} through reflection, with all arguments ({@code retrain} first). Exit
     * codes: 0 promoted or held, 1 it could not start (Spring has said why) or the data could not train a model, 2
     * nothing to train on or a bad argument, 3 another run holds the lock.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String[] properties = Arrays.copyOfRange(args, 1, args.length);
        for (String argument : properties) {
            if (argument.equals("--help") || argument.equals("-h")) {
                out.println(USAGE);
                return 0;
            }
            // Spring would ignore any other argument and run the job anyway: a typo must not retrain and promote.
            if (!argument.startsWith("--")) {
                err.println("retrain: '" + argument + "' is not a --property=value");
                err.println(USAGE);
                return 2;
            }
        }
        ConfigurableApplicationContext context;
        try {
            context = start(properties);
        } catch (RuntimeException e) {
            return 1; // Spring Boot has reported why (a bad setting, the database) as it failed
        }
        try (context) {
            return switch (context.getBean(RetrainJob.class).run(out)) {
                case PROMOTED, HELD -> 0;
                case NOTHING_TO_TRAIN -> 2;
                case BUSY -> 3;
            };
        } catch (IllegalArgumentException e) {
            // The data cannot train a model (e.g. no seed row holds a weak model): the run is stored as failed with
            // this message; a stack trace would add nothing.
            err.println("retrain: failed: " + e.getMessage());
            return 1;
        }
    }
}
