package dev.ponder.gateway;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The one executable: the gateway by default, the router's {@code train} and {@code eval} subcommands, or
 * {@code retrain} (the learning loop's job, which reads and writes the gateway's database).
 *
 * <p>This class alone is compiled for Java 17 (see gateway/pom.xml) and references no class of Ponder's own, so that
 * {@code java -jar ponder.jar} on a machine whose default Java is 17 finds an installed JDK 21+ and runs itself
 * with it, instead of failing with UnsupportedClassVersionError.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class PonderApplication {

    static final int REQUIRED_JAVA = 21;
    private static final Set<String> ROUTER_COMMANDS = Set.of("train", "eval");
    private static final String CLI_LOGGING = "logback.configurationFile";
    private static final Pattern RELEASE_VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    static final String USAGE = """
            usage: java -jar ponder.jar [--property=value ...]           run the gateway
               or: java -jar ponder.jar retrain [--property=value ...]   retrain the router from the outcome log
               or: java -jar ponder.jar train|eval --option value ...    train or evaluate a router offline
            Properties are Spring's, e.g. --server.port=8081 --ponder.default-policy=fast (see README.md).""";

    private static final Set<String> HELP = Set.of("--help", "-h", "help");

    public static void main(String[] args) throws Exception {
        if (Runtime.version().feature() < REQUIRED_JAVA) {
            System.exit(relaunch(args));
        }
        if (args.length > 0 && ROUTER_COMMANDS.contains(args[0]) && System.getProperty(CLI_LOGGING) == null) {
            // Read by Logback when the first logger is made, which is after this line.
            System.setProperty(CLI_LOGGING, "ponder-cli-logback.xml");
        }
        Optional<Integer> exit = command(args, System.out, System.err);
        if (exit.isPresent()) {
            System.exit(exit.get());
        }
        SpringApplication.run(PonderApplication.class, args);
    }

    /**
     * Runs a subcommand, or prints help or a usage error, and returns its exit code; empty when the arguments are the
     * gateway's ({@code --property=value} alone). A word that is no subcommand (a typo, {@code -Dx=y} after the jar)
     * is an error: Spring ignores such arguments, so it would otherwise start a gateway nobody asked for, or one
     * without the setting the word was meant to be.
     */
    static Optional<Integer> command(String[] args, PrintStream out, PrintStream err) throws Exception {
        boolean gatewayArguments = args.length == 0 || args[0].startsWith("--");
        if ((gatewayArguments || HELP.contains(args[0])) && Arrays.stream(args).anyMatch(HELP::contains)) {
            // --help among properties too: the usage, not a gateway started with the rest of them.
            out.println(USAGE);
            return Optional.of(0);
        }
        if (gatewayArguments) {
            Optional<String> stray =
                    Arrays.stream(args).filter(a -> !a.startsWith("--")).findFirst();
            if (stray.isEmpty()) {
                return Optional.empty();
            }
            err.println("ponder: '" + stray.get() + "' is not a --property=value (JVM options such as -Xmx or -Dx=y go"
                    + " before -jar)");
            err.println(USAGE);
            return Optional.of(2);
        }
        if (ROUTER_COMMANDS.contains(args[0])) {
            // Reflection keeps this class free of Java 21 class references (see the class comment).
            return Optional.of((Integer) Class.forName("dev.ponder.router.cli.RouterCli")
                    .getMethod("run", String[].class, PrintStream.class, PrintStream.class)
                    .invoke(null, args, out, err));
        }
        if (args[0].equals("retrain")) {
            return Optional.of((Integer) Class.forName("dev.ponder.gateway.learning.RetrainCommand")
                    .getMethod("run", String[].class, PrintStream.class, PrintStream.class)
                    .invoke(null, args, out, err));
        }
        err.println("ponder: '" + args[0] + "' is not a subcommand (train, eval, retrain) nor a --property=value");
        err.println(USAGE);
        return Optional.of(2);
    }

    private static int relaunch(String[] args) throws IOException, InterruptedException {
        String jar = System.getProperty("java.class.path", "");
        Optional<Path> java = newestJava();
        if (!jar.endsWith(".jar") || java.isEmpty()) {
            System.err.println("Ponder needs Java " + REQUIRED_JAVA + "+ but runs on Java "
                    + Runtime.version().feature() + ": run it with a JDK " + REQUIRED_JAVA
                    + "+, e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar gateway/target/ponder.jar");
            return 1;
        }
        List<String> command = new ArrayList<>(List.of(java.get().toString(), "-jar", jar));
        command.addAll(List.of(args));
        Process gateway = new ProcessBuilder(command).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(stopping(gateway));
        return gateway.waitFor();
    }

    /**
     * The launcher's shutdown hook: it stops the relaunched gateway (SIGTERM, so that the gateway shuts down as it
     * would if signalled itself) and waits until it has. Ctrl-C reaches both processes through the terminal's process
     * group, but a SIGTERM sent to the launcher alone (kill, systemd, a container runtime) would leave the gateway
     * running, holding its port and database.
     */
    static Thread stopping(Process gateway) {
        return new Thread(
                () -> {
                    gateway.destroy();
                    try {
                        gateway.waitFor();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "ponder-launcher-stop");
    }

    /** The newest installed JDK of at least the required version: JAVA_HOME first, then the usual install places. */
    private static Optional<Path> newestJava() {
        List<Path> homes = new ArrayList<>();
        Optional.ofNullable(System.getenv("JAVA_HOME")).map(Path::of).ifPresent(homes::add);
        for (String root : List.of(
                "/usr/lib/jvm",
                "/usr/java",
                "/opt/java",
                "/opt/jdk",
                System.getProperty("user.home") + "/.sdkman/candidates/java")) {
            try (Stream<Path> dirs = Files.list(Path.of(root))) {
                dirs.forEach(homes::add);
            } catch (IOException | RuntimeException e) {
                // not installed there
            }
        }
        return homes.stream()
                .filter(home -> Files.isExecutable(home.resolve("bin/java")))
                .filter(home -> featureVersion(home) >= REQUIRED_JAVA)
                .max(Comparator.comparingInt(PonderApplication::featureVersion))
                .map(home -> home.resolve("bin/java"));
    }

    private static int featureVersion(Path home) {
        try {
            Matcher m = RELEASE_VERSION.matcher(Files.readString(home.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
