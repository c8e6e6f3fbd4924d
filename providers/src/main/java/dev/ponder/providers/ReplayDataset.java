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
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Recorded answers from a routing-outcome file (one JSON object a line: {@code prompt} and
 * {@code outcomes.<model>.{response, cost_usd}}), looked up by whitespace-normalised prompt. Loaded once per
 * location by {@link BackendFactory}; immutable after loading, so any number of backends share it.
 */
final class ReplayDataset {

    /** One model's recorded outcome; {@code response} or {@code costUsd} is null when the file has none. */
    record Outcome(String response, Double costUsd) {}

    private record Row(String prompt, Map<String, Outcome> outcomes) {}

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final String CLASSPATH = "classpath:";
    private static final JsonMapper JSON = JsonMapper.shared();

    private final String location;
    private final Map<String, Map<String, Outcome>> byPrompt;
    private final Set<String> models;

    private ReplayDataset(String location, Map<String, Map<String, Outcome>> byPrompt) {
        this.location = location;
        this.byPrompt = byPrompt;
        this.models = byPrompt.values().stream()
                .flatMap(outcomes -> outcomes.keySet().stream())
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Reads a file path, or a resource when the location starts with {@code classpath:}. Lines are parsed in
     * parallel (a 100k-row file takes seconds); the first row of a repeated prompt wins, as in the file's order.
     */
    static ReplayDataset load(String location) {
        try (Stream<String> lines = lines(location)) {
            Map<String, Map<String, Outcome>> byPrompt = lines.parallel()
                    .filter(line -> !line.isBlank())
                    .map(line -> row(location, line))
                    .collect(Collectors.toMap(Row::prompt, Row::outcomes, (first, later) -> first, HashMap::new));
            return new ReplayDataset(location, byPrompt);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot read replay dataset " + location, e.getCause());
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

    String location() {
        return location;
    }

    /** Reads only the fields replay uses, with a streaming parser: no tree per row. */
    private static Row row(String location, String line) {
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            String prompt = "";
            Map<String, Outcome> outcomes = Map.of();
            for (String name = parser.nextName(); name != null; name = parser.nextName()) {
                JsonToken value = parser.nextToken();
                if ("prompt".equals(name) && value == JsonToken.VALUE_STRING) {
                    prompt = parser.getString();
                } else if ("outcomes".equals(name) && value == JsonToken.START_OBJECT) {
                    outcomes = outcomes(parser);
                } else {
                    parser.skipChildren();
                }
            }
            return new Row(normalise(prompt), outcomes);
        } catch (JacksonException e) {
            // The original message: the full one runs on to a second line about the (redacted) source.
            throw badLine(location, line, e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw badLine(location, line, e.getMessage(), e);
        }
    }

    private static IllegalArgumentException badLine(String location, String line, String why, Exception cause) {
        return new IllegalArgumentException(
                "replay dataset " + location + " has a bad line (" + why + "): "
                        + line.substring(0, Math.min(80, line.length())),
                cause);
    }

    private static Map<String, Outcome> outcomes(JsonParser parser) {
        Map<String, Outcome> outcomes = new HashMap<>();
        for (String model = parser.nextName(); model != null; model = parser.nextName()) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                parser.skipChildren();
                continue;
            }
            String response = null;
            Double cost = null;
            for (String field = parser.nextName(); field != null; field = parser.nextName()) {
                JsonToken value = parser.nextToken();
                if ("response".equals(field) && value == JsonToken.VALUE_STRING) {
                    response = parser.getString();
                } else if ("cost_usd".equals(field) && value.isNumeric()) {
                    cost = parser.getDoubleValue();
                } else {
                    parser.skipChildren();
                }
            }
            outcomes.put(model, new Outcome(response, cost));
        }
        return Map.copyOf(outcomes);
    }

    private static Stream<String> lines(String location) {
        try {
            if (!location.startsWith(CLASSPATH)) {
                return Files.lines(Path.of(location));
            }
            String resource = location.substring(CLASSPATH.length()).replaceFirst("^/+", "");
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            InputStream in =
                    (loader != null ? loader : ReplayDataset.class.getClassLoader()).getResourceAsStream(resource);
            if (in == null) {
                throw new IllegalArgumentException("replay dataset " + location + " is not on the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            return reader.lines().onClose(() -> {
                try {
                    reader.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read replay dataset " + location, e);
        }
    }
}
