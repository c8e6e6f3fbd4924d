package dev.ponder.providers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recorded answers from a routing-outcome file (one JSON object a line: {@code prompt} and
 * {@code outcomes.<model>.{response, cost_usd, score}}), looked up by whitespace-normalised prompt. Loaded once
 * per location by {@link BackendFactory}; immutable after loading, so any number of backends share it.
 */
final class ReplayDataset {

    /** One model's recorded outcome; {@code response} or {@code costUsd} is null when the file has none. */
    record Outcome(String response, Double costUsd) {}

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final String CLASSPATH = "classpath:";

    private final String location;
    private final Map<String, Map<String, Outcome>> byPrompt;
    private final Set<String> models;

    private ReplayDataset(String location, Map<String, Map<String, Outcome>> byPrompt, Set<String> models) {
        this.location = location;
        this.byPrompt = byPrompt;
        this.models = models;
    }

    /** Reads a file path, or a resource when the location starts with {@code classpath:}. */
    static ReplayDataset load(String location) {
        try (InputStream in = open(location);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            JsonMapper json = JsonMapper.shared();
            Map<String, Map<String, Outcome>> byPrompt = new HashMap<>();
            Set<String> models = new HashSet<>();
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try {
                    row = json.readTree(line);
                } catch (JacksonException e) {
                    throw new IllegalArgumentException(
                            "replay dataset " + location + " line " + number + " is not JSON: "
                                    + e.getOriginalMessage(),
                            e);
                }
                // The first row of a repeated prompt wins: the file's order is its authority.
                Map<String, Outcome> outcomes =
                        byPrompt.computeIfAbsent(normalise(row.path("prompt").asString("")), prompt -> outcomes(row));
                models.addAll(outcomes.keySet());
            }
            return new ReplayDataset(location, Map.copyOf(byPrompt), Set.copyOf(models));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read replay dataset " + location, e);
        }
    }

    static String normalise(String prompt) {
        return WHITESPACE.matcher(prompt).replaceAll(" ").strip();
    }

    /** The recorded outcome of {@code model} for this prompt, or null if the file has no such row. */
    Outcome find(String prompt, String model) {
        Map<String, Outcome> outcomes = byPrompt.get(normalise(prompt));
        return outcomes == null ? null : outcomes.get(model);
    }

    Set<String> models() {
        return models;
    }

    int size() {
        return byPrompt.size();
    }

    String location() {
        return location;
    }

    private static Map<String, Outcome> outcomes(JsonNode row) {
        Map<String, Outcome> outcomes = new HashMap<>();
        row.path("outcomes").forEachEntry((model, outcome) -> {
            JsonNode cost = outcome.path("cost_usd");
            outcomes.put(
                    model,
                    new Outcome(outcome.path("response").asString(null), cost.isNumber() ? cost.asDouble() : null));
        });
        return Map.copyOf(outcomes);
    }

    private static InputStream open(String location) throws IOException {
        if (location.startsWith(CLASSPATH)) {
            String resource = location.substring(CLASSPATH.length()).replaceFirst("^/+", "");
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            InputStream in =
                    (loader != null ? loader : ReplayDataset.class.getClassLoader()).getResourceAsStream(resource);
            if (in == null) {
                throw new IllegalArgumentException("replay dataset " + location + " is not on the classpath");
            }
            return in;
        }
        return Files.newInputStream(Path.of(location));
    }
}
