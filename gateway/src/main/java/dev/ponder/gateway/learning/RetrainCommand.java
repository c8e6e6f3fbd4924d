package dev.ponder.gateway.learning;

import dev.ponder.gateway.PonderApplication;
import java.io.PrintStream;
import java.util.Arrays;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code ponder.jar retrain [--spring.datasource.url=...] [--ponder.learning.retrain.x=y ...]}: runs the retraining
 * job once in a context without a web server, with the gateway's configuration (so the same database and policies),
 * and exits 0 when a version was promoted or held for review, 2 when nothing was trained, 3 when another run holds
 * the lock.
 */
public final class RetrainCommand {

    private RetrainCommand() {}

    /** Called by {@link PonderApplication#main} through reflection, with the arguments after {@code retrain}. */
    public static int run(String[] args, PrintStream out) throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(PonderApplication.class)
                .web(WebApplicationType.NONE)
                .run(Arrays.copyOfRange(args, 1, args.length))) {
            return switch (context.getBean(RetrainJob.class).run(out)) {
                case PROMOTED, HELD -> 0;
                case NOTHING_TO_TRAIN -> 2;
                case BUSY -> 3;
            };
        }
    }
}
