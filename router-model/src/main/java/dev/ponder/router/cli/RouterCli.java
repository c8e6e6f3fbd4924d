package dev.ponder.router.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Set;

/** Entry point of {@code train} and {@code eval}; the gateway's jar dispatches here. */
public final class RouterCli {
    private static final Set<String> HELP = Set.of("--help", "-h");

    private RouterCli() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs `train ...` or `eval ...` (args[0] is the subcommand); returns the process exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, Clock.systemUTC());
    }

    static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
        try {
            if (args.length == 0) {
                throw new Args.UsageException("usage: " + TrainCommand.USAGE + "\n   or: " + EvalCommand.USAGE);
            }
            // Asked for help anywhere on the line: the usage, and nothing run (Args would call it an unknown option).
            boolean help = Arrays.stream(args, 1, args.length).anyMatch(HELP::contains);
            return switch (args[0]) {
                case "train" -> help ? usage(out, TrainCommand.USAGE) : TrainCommand.run(args, out, clock);
                case "eval" -> help ? usage(out, EvalCommand.USAGE) : EvalCommand.run(args, out);
                default ->
                    throw new Args.UsageException("unknown subcommand '" + args[0] + "' (expected train or eval)");
            };
        } catch (Args.UsageException e) {
            err.println(e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            // Bad data or artifacts named on the command line: the message says which file and why.
            err.println("error: " + e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("I/O error: " + e.getMessage());
            return 1;
        }
    }

    private static int usage(PrintStream out, String usage) {
        out.println("usage: " + usage + "\n(docs/router.md describes every option)");
        return 0;
    }
}
