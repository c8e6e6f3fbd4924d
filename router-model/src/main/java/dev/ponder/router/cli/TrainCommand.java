package dev.ponder.router.cli;

import dev.ponder.router.FeatureSpec;
import dev.ponder.router.Training;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code train --data F1[,F2] --weak M1[,M2] --strong M --out NAME.bin [...]}. */
final class TrainCommand {
    static final String USAGE = "train --data FILE[,FILE] --weak MODEL[,MODEL] --strong MODEL --out NAME.bin"
            + " [--features lexical,encoder (or any of lexical,ngrams[:BITS],encoder)] [--answer-bits 16] [--seed 42] [--epochs 100] [--answer-epochs EPOCHS]"
            + " [--learning-rate 0.05] [--l2 1e-4] [--fit sgd|newton] [--newton-l2 1e-3] [--test-fraction 0.5] [--version V] [--attribution TEXT|@FILE]"
            + " [--label weak|all|gap|gain] [--cv FOLDS] [--cv-groups source|row] [--cv-only true] [--oof FILE] [--embedding-cache FILE]";
    private static final Set<String> OPTIONS = Set.of(
            "data",
            "weak",
            "strong",
            "out",
            "features",
            "answer-bits",
            "seed",
            "epochs",
            "answer-epochs",
            "learning-rate",
            "l2",
            "fit",
            "newton-l2",
            "test-fraction",
            "version",
            "attribution",
            "label",
            "cv",
            "cv-groups",
            "cv-only",
            "oof",
            "embedding-cache");

    private TrainCommand() {}

    static int run(String[] argv, PrintStream out, Clock clock) throws IOException {
        Args a = Args.parse("train", argv, 1, OPTIONS);
        List<Path> data = files(a.required("data"));
        Path artifact = Path.of(a.required("out"));
        if (!artifact.getFileName().toString().endsWith(".bin")) {
            throw new Args.UsageException("train: --out must name a NAME.bin file, got " + artifact);
        }
        FeatureSpec features;
        try {
            features = FeatureSpec.parse(a.get("features", "lexical,encoder"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("train: --features: " + e.getMessage());
        }
        String name = artifact.getFileName().toString().replaceFirst("\\.bin$", "");
        int epochs = (int) a.number("epochs", 100, 1, 1000);
        String version = a.get("version", name + "-" + LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
        Training.Config config = new Training.Config(
                data,
                split(a.required("weak")),
                a.required("strong"),
                features,
                (int) a.number("answer-bits", 16, 0, 22),
                a.integer("seed", 42),
                epochs,
                // The answer scorer trains as long as the difficulty model unless told otherwise.
                (int) a.number("answer-epochs", epochs, 1, 1000),
                a.number("learning-rate", 0.05, 1e-9, 100),
                a.number("l2", 1e-4, 0, 100),
                fit(a),
                a.number("test-fraction", 0.5, 0, 0.99),
                version,
                artifact,
                attribution(a.get("attribution", "")),
                label(a.get("label", "weak")),
                (int) a.number("cv", 0, 0, 100),
                cvGroups(a.get("cv-groups", "source")),
                optionalPath(a, "embedding-cache"),
                optionalPath(a, "oof"));
        if (Boolean.parseBoolean(a.get("cv-only", "false"))) {
            Training.crossValidate(config, out);
            return 0;
        }
        Training.Result r = Training.run(config, clock, out);
        out.println("wrote " + r.artifact() + " and " + r.card() + " (sha256 " + r.sha256() + ")");
        return 0;
    }

    private static Training.Fit fit(Args a) {
        return switch (a.get("fit", "sgd")) {
            case "sgd" -> {
                if (!a.get("newton-l2", "").isEmpty()) {
                    throw new Args.UsageException("train: --newton-l2 applies only to --fit newton");
                }
                yield new Training.Fit.Sgd();
            }
            case "newton" -> new Training.Fit.Newton(a.number("newton-l2", 1e-3, 1e-12, 100));
            default ->
                throw new Args.UsageException("train: --fit must be sgd or newton, got '" + a.get("fit", "") + "'");
        };
    }

    private static Path optionalPath(Args a, String option) {
        String value = a.get(option, "");
        return value.isEmpty() ? null : Path.of(value);
    }

    private static Training.Label label(String name) {
        try {
            return Training.Label.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("train: --label must be one of "
                    + Arrays.stream(Training.Label.values())
                            .map(l -> l.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", "))
                    + ", got '" + name + "'");
        }
    }

    private static Training.CvGroups cvGroups(String name) {
        return switch (name) {
            case "source" -> Training.CvGroups.SOURCE;
            case "row" -> Training.CvGroups.ROW;
            default -> throw new Args.UsageException("train: --cv-groups must be source or row, got '" + name + "'");
        };
    }

    static List<String> split(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    static List<Path> files(String csv) {
        List<Path> paths = split(csv).stream().map(Path::of).toList();
        for (Path p : paths) {
            if (!Files.isRegularFile(p)) {
                throw new Args.UsageException("no such data file: " + p);
            }
        }
        return paths;
    }

    private static String attribution(String value) throws IOException {
        if (!value.startsWith("@")) {
            return value;
        }
        Path file = Path.of(value.substring(1));
        if (!Files.isRegularFile(file)) {
            throw new Args.UsageException("train: no such attribution file: " + file);
        }
        return Files.readString(file).strip();
    }
}
