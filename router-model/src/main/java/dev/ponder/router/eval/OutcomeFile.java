package dev.ponder.router.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
            while ((line = readLine(in, file, number + 1)) != null) {
                number++;
                if (number == 1 && line.startsWith("\uFEFF")) {
                    // A UTF-8 byte order mark (Windows editors write one): not part of the first row.
                    line = line.substring(1);
                }
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

    private static String readLine(BufferedReader in, Path file, int number) throws IOException {
        try {
            return in.readLine();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    file + ": not UTF-8 text near line " + number
                            + " (outcome files are plain JSON lines, not compressed)",
                    e);
        }
    }

    private static OutcomeRow parse(JsonNode n) {
        if (!n.isObject()) {
            throw new IllegalArgumentException("a row must be a JSON object, got " + kind(n));
        }
        String prompt = prompt(n.path("prompt"));
        if (!n.path("outcomes").isObject()) {
            throw new IllegalArgumentException("\"outcomes\" must be an object, got " + kind(n.path("outcomes")));
        }
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.path("outcomes").properties()) {
            JsonNode o = e.getValue();
            if (!o.path("score").isNumber()) {
                throw new IllegalArgumentException("outcome '" + e.getKey() + "' has no numeric score");
            }
            JsonNode costNode = o.path("cost_usd");
            if (!costNode.isNumber() && !costNode.isMissingNode() && !costNode.isNull()) {
                // A cost given as text would otherwise vanish and switch the whole evaluation to unit costs.
                throw new IllegalArgumentException(
                        "outcome '" + e.getKey() + "' has a cost_usd that is not a number: " + costNode);
            }
            Double cost = costNode.isNumber() ? costNode.asDouble() : null;
            String response = o.path("response").isString() ? o.path("response").asString() : null;
            outcomes.put(e.getKey(), new Outcome(o.path("score").asDouble(), cost, response));
        }
        return new OutcomeRow(
                n.path("id").asString(""),
                n.path("source").asString(""),
                n.path("split").asString("all"),
                prompt,
                outcomes);
    }

    /**
     * The text a gateway would route on: the prompt itself, or for a conversation the last user turn, as the gateway
     * scores a chat request by its last user message. A conversation is an array of user turns (strings) or of chat
     * messages ({@code role}, and {@code content} as text or as parts with {@code text}).
     */
    private static String prompt(JsonNode p) {
        if (p.isString()) {
            return p.asString();
        }
        if (p.isArray() && !p.isEmpty()) {
            for (int i = p.size() - 1; i >= 0; i--) {
                JsonNode turn = p.get(i);
                if (turn.isString()) {
                    return turn.asString();
                }
                if (turn.isObject() && turn.path("role").asString("").equals("user")) {
                    return text(turn.path("content"));
                }
            }
        }
        throw new IllegalArgumentException("\"prompt\" must be a string, or a conversation (an array of user turns or"
                + " of chat messages with a user message), got " + (p.isArray() ? p.toString() : kind(p)));
    }

    private static String text(JsonNode content) {
        if (content.isString()) {
            return content.asString();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (part.path("text").isString()) {
                    text.append(text.isEmpty() ? "" : "\n")
                            .append(part.path("text").asString());
                }
            }
            return text.toString();
        }
        throw new IllegalArgumentException(
                "a user message's \"content\" must be text or an array of parts, got " + kind(content));
    }

    private static String kind(JsonNode n) {
        return n.isMissingNode() ? "nothing" : n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
