package dev.ponder.providers.bench;

import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import dev.ponder.providers.BackendFactory;
import dev.ponder.providers.BackendSpec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The replay backend at scale: loading a dataset shaped like the RouterBench file (11 models, a recorded response
 * each) with {@code rows} rows, and answering one request from it. Goal: a 100k-row file loads in seconds.
 */
@State(Scope.Benchmark)
@Fork(
        value = 1,
        jvmArgs = {"-Xmx4g"})
public class ReplayBenchmark {

    private static final int MODELS = 11;

    @Param("100000")
    public int rows;

    private Path file;
    private ModelBackend loaded;
    private List<ChatRequest> requests;
    private int next;

    @Setup(Level.Trial)
    public void writeDataset() throws IOException {
        file = Files.createTempFile("replay-bench", ".jsonl");
        SplittableRandom random = new SplittableRandom(7);
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int row = 0; row < rows; row++) {
                StringBuilder line = new StringBuilder(4096)
                        .append("{\"id\": \"r")
                        .append(row)
                        .append("\", \"source\": \"bench\", \"split\": \"test\", \"prompt\": \"")
                        .append(prompt(row))
                        .append("\", \"outcomes\": {");
                for (int m = 0; m < MODELS; m++) {
                    line.append(m == 0 ? "" : ", ")
                            .append("\"model-")
                            .append(m)
                            .append("\": {\"score\": ")
                            .append(random.nextInt(2))
                            .append(".0, \"cost_usd\": ")
                            .append(random.nextDouble() / 1000)
                            .append(", \"response\": \"")
                            .append("The answer is B, because ".repeat(12))
                            .append("\"}");
                }
                out.write(line.append("}}\n").toString());
            }
        }
        loaded = new BackendFactory(Clock.systemUTC()).create("bench", spec("model-3"));
        requests = java.util.stream.IntStream.range(0, 1024)
                .mapToObj(i -> ChatRequest.of(List.of(ChatMessage.of(Role.USER, prompt(random.nextInt(rows))))))
                .toList();
    }

    @TearDown(Level.Trial)
    public void deleteDataset() throws IOException {
        Files.deleteIfExists(file);
    }

    /** A fresh factory each time, so the file is read and indexed again. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public ModelBackend loadDataset() {
        return new BackendFactory(Clock.systemUTC()).create("bench", spec("model-0"));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Object answerOneRequest() {
        next = (next + 1) & 1023;
        return loaded.chat(requests.get(next));
    }

    private BackendSpec spec(String model) {
        return new BackendSpec("replay", null, null, model, null, null, null, null, null, file.toString(), null);
    }

    private static String prompt(int row) {
        return "Question " + row + ": which of the following best explains the observation? "
                + "A. one B. two C. three D. four. ".repeat(8) + "Answer:";
    }
}
