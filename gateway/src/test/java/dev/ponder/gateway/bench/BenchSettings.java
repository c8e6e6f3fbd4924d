package dev.ponder.gateway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The load benchmark's knobs, from {@code --key=value} arguments; every one has a default that meets the issue's
 * scenario (1,000 RPS for added latency, 5,000 concurrent streams against a 1.5 s backend).
 */
record BenchSettings(
        Path jar,
        List<String> ponderJvmOptions,
        boolean jfr,
        boolean lexical,
        Duration warmup,
        Duration steady,
        double rate,
        Duration phase,
        Duration backendLatency,
        int tokens,
        Duration tokenInterval,
        double streamRate,
        Duration streamPhase,
        double stepStart,
        double stepSize,
        double stepLimit,
        Duration stepPhase,
        double maxP99Ms,
        double maxErrorRate,
        int concurrent,
        Duration concurrentRamp,
        Duration slowLatency,
        int slowTokens,
        Duration slowTokenInterval) {

    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("jar", "target/ponder.jar"),
            // A bounded heap, as a container limit would set it (the JVM's default here would be a quarter of 24 GiB),
            // sized with the in-flight limit and its queue for the 5,000 concurrent streams within 1 GiB of RSS:
            // 5,000 open connections hold about 75 KiB of heap each, those being processed up to 140 KiB. Fixed in
            // size (the image gives it a floor, docs/operations.md "The heap"): G1 shrinks a heap it finds idle, then
            // marks
            // the old generation every few seconds with a remark pause each time.
            Map.entry("jvm", "-Xms640m,-Xmx640m,-Dponder.api.max-in-flight=1500,-Dponder.api.max-queued=3500"),
            Map.entry("jfr", "false"),
            Map.entry("classifier", "lexical"),
            Map.entry("warmup-s", "60"),
            // The connections opened as the rate rises bring some 20 MiB that live as long as they do; young
            // collections copy them until G1 promotes them after 15 (7-20 ms pauses). 90 s at the measured rate gets
            // past those, as a gateway that has served that rate for a few minutes is.
            Map.entry("steady-s", "90"),
            Map.entry("rate", "1000"),
            Map.entry("phase-s", "15"),
            Map.entry("latency-ms", "0"),
            Map.entry("tokens", "20"),
            Map.entry("token-interval-ms", "5"),
            Map.entry("stream-rate", "200"),
            Map.entry("stream-phase-s", "10"),
            Map.entry("step-start", "1000"),
            Map.entry("step-size", "1000"),
            Map.entry("step-limit", "10000"),
            Map.entry("step-s", "5"),
            Map.entry("max-p99-ms", "50"),
            Map.entry("max-error-rate", "0.001"),
            Map.entry("concurrent", "5000"),
            Map.entry("concurrent-ramp-s", "1"),
            Map.entry("slow-latency-ms", "1500"),
            Map.entry("slow-tokens", "10"),
            Map.entry("slow-token-interval-ms", "100"));

    BenchSettings {
        if (!(rate > 0 && streamRate > 0 && stepStart > 0 && stepSize > 0 && concurrent > 0)) {
            throw new IllegalArgumentException("rates and counts must be positive");
        }
    }

    /** Parses {@code --key=value} arguments; an unknown key fails with the list of known ones. */
    static BenchSettings parse(String... args) {
        Map<String, String> values = new HashMap<>(DEFAULTS);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String key = arg.startsWith("--") && eq > 2 ? arg.substring(2, eq) : null;
            if (key == null || !DEFAULTS.containsKey(key)) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'; use --key=value with a key of "
                        + Set.copyOf(DEFAULTS.keySet()));
            }
            values.put(key, arg.substring(eq + 1));
        }
        String jvm = values.get("jvm").strip();
        return new BenchSettings(
                Path.of(values.get("jar")),
                jvm.isEmpty() ? List.of() : Arrays.asList(jvm.split(",")),
                Boolean.parseBoolean(values.get("jfr")),
                classifier(values.get("classifier")),
                seconds(values, "warmup-s"),
                seconds(values, "steady-s"),
                number(values, "rate"),
                seconds(values, "phase-s"),
                millis(values, "latency-ms"),
                (int) number(values, "tokens"),
                millis(values, "token-interval-ms"),
                number(values, "stream-rate"),
                seconds(values, "stream-phase-s"),
                number(values, "step-start"),
                number(values, "step-size"),
                number(values, "step-limit"),
                seconds(values, "step-s"),
                number(values, "max-p99-ms"),
                number(values, "max-error-rate"),
                (int) number(values, "concurrent"),
                seconds(values, "concurrent-ramp-s"),
                millis(values, "slow-latency-ms"),
                (int) number(values, "slow-tokens"),
                millis(values, "slow-token-interval-ms"));
    }

    /** {@code lexical} (lexical features and n-grams) or {@code bundled} (the default model, with MiniLM). */
    private static boolean classifier(String value) {
        return switch (value) {
            case "lexical" -> true;
            case "bundled" -> false;
            default -> throw new IllegalArgumentException("--classifier must be lexical or bundled but was " + value);
        };
    }

    private static double number(Map<String, String> values, String key) {
        try {
            return Double.parseDouble(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number but was '" + values.get(key) + "'");
        }
    }

    private static Duration seconds(Map<String, String> values, String key) {
        return Duration.ofMillis((long) (number(values, key) * 1000));
    }

    private static Duration millis(Map<String, String> values, String key) {
        return Duration.ofMillis((long) number(values, key));
    }
}
