package dev.ponder.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A small outcome file where the weak model fails hard (maths) prompts and hedges when it does. */
public final class SyntheticOutcomes {
    private static final String[] TOPICS = {"France", "Peru", "Japan", "Kenya", "Chile", "Spain", "Egypt", "Norway"};

    private SyntheticOutcomes() {}

    public static Path write(Path dir, int rows) throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            boolean hard = random.nextBoolean();
            String topic = TOPICS[random.nextInt(TOPICS.length)];
            String prompt = hard
                    ? "Prove step by step that the integral of x^" + (i % 7 + 2) + " * sin(x) over [0, " + i
                            + "] equals the derived closed form; justify each equation for " + topic + "."
                    : "What is the capital of " + topic + "?";
            boolean weakRight = hard ? random.nextDouble() < 0.15 : random.nextDouble() < 0.9;
            String weakAnswer = weakRight ? "The answer is " + topic + " City." : "I'm not sure, it might be unclear.";
            lines.add("{\"id\":\"syn." + i + "\",\"source\":\"synthetic/" + (hard ? "maths" : "capitals")
                    + "\",\"split\":\"" + (i % 4 == 0 ? "test" : "train") + "\",\"prompt\":\"" + prompt
                    + "\",\"outcomes\":{\"weak\":{\"score\":" + (weakRight ? 1 : 0)
                    + ",\"cost_usd\":0.001,\"response\":\"" + weakAnswer + "\"},\"strong\":{\"score\":"
                    + (random.nextDouble() < 0.95 ? 1 : 0) + ",\"cost_usd\":0.01,\"response\":\"Certainly: "
                    + topic + ".\"}}}");
        }
        Path file = dir.resolve("outcomes.jsonl");
        Files.write(file, lines);
        return file;
    }
}
