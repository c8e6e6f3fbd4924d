package dev.ponder.router.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads outcome files: one JSON object a line, {"id","source","split","prompt","outcomes":{MODEL:{...}}}. */
public final class OutcomeFile {
    private static final JsonMapper JSON = JsonMapper.shared();

    private OutcomeFile() {}

    /** @throws IllegalArgumentException naming the file and line of a malformed row */
    public static List<OutcomeRow> read(Path file) throws IOException {
        List<OutcomeRow> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    rows.add(parse(JSON.readTree(line)));
                } catch (JacksonException | IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            file + ":" + number + ": not an outcome row (" + firstLine(e.getMessage()) + ")", e);
                }
            }
        }
        return rows;
    }

    private static OutcomeRow parse(JsonNode n) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.path("outcomes").properties()) {
            JsonNode o = e.getValue();
            if (!o.path("score").isNumber()) {
                throw new IllegalArgumentException("outcome '" + e.getKey() + "' has no numeric score");
            }
            Double cost = o.path("cost_usd").isNumber() ? o.path("cost_usd").asDouble() : null;
            String response = o.path("response").isString() ? o.path("response").asString() : null;
            outcomes.put(e.getKey(), new Outcome(o.path("score").asDouble(), cost, response));
        }
        return new OutcomeRow(
                n.path("id").asString(""),
                n.path("source").asString(""),
                n.path("split").asString("all"),
                n.path("prompt").isString() ? n.path("prompt").asString() : null,
                outcomes);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
