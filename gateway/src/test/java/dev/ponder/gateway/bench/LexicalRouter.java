package dev.ponder.gateway.bench;

import dev.ponder.router.cli.RouterCli;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A router model on lexical features and hashed n-grams only, made Ponder's active model the way a promotion does
 * (a row in {@code router_models}). The bundled default also embeds each prompt with MiniLM; the latency goal
 * is for the lexical classifier. Trained on the bundled demo sample: its routing quality does not matter here, only
 * what scoring with it costs.
 */
final class LexicalRouter {

    private static final Path SAMPLE = Path.of("src/main/resources/ponder/demo/routerbench-sample.jsonl");

    private LexicalRouter() {}

    /** Trains the model into {@code dir}, activates it in {@code database}, and waits until Ponder logs the switch. */
    static String activate(Path dir, String database, Path ponderLog) {
        try {
            // The sample is all held-out test rows; as training data for a cost benchmark any split will do.
            Path data = dir.resolve("sample-train.jsonl");
            Files.writeString(data, Files.readString(SAMPLE).replace("\"split\": \"test\"", "\"split\": \"train\""));
            Path artifact = dir.resolve("lexical.bin");
            try (PrintStream log = new PrintStream(Files.newOutputStream(dir.resolve("train.log")), true)) {
                int code = RouterCli.run(
                        new String[] {
                            "train",
                            "--data",
                            data.toString(),
                            "--weak",
                            "mistralai/mistral-7b-chat",
                            "--strong",
                            "gpt-4-1106-preview",
                            "--features",
                            "lexical,ngrams",
                            "--out",
                            artifact.toString()
                        },
                        log,
                        log);
                if (code != 0) {
                    throw new IllegalStateException(
                            "training the lexical router failed; see " + dir.resolve("train.log"));
                }
            }
            String card = Files.readString(dir.resolve("lexical.card.json"));
            JsonNode cardJson = JsonMapper.builder().build().readTree(card);
            String version = cardJson.path("version").asString();
            try (Connection c = DriverManager.getConnection(database, "postgres", "");
                    PreparedStatement insert = c.prepareStatement("""
                            INSERT INTO router_models (version, sha256, artifact, card, status, created_at, activated_at)
                            VALUES (?, ?, ?, ?::jsonb, 'active', now(), now())
                            """)) {
                insert.setString(1, version);
                insert.setString(2, cardJson.path("sha256").asString());
                insert.setBytes(3, Files.readAllBytes(artifact));
                insert.setString(4, card);
                insert.executeUpdate();
            }
            awaitSwitch(ponderLog, version, Duration.ofSeconds(30));
            return version;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the lexical router in " + database, e);
        }
    }

    private static void awaitSwitch(Path ponderLog, String version, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.readString(ponderLog).contains("Router model switched to " + version)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Ponder did not switch to " + version + " within " + timeout + "; see " + ponderLog);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
