package dev.ponder.cascade.bench;

import dev.ponder.cascade.AbstentionDetector;
import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadeEngine;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.CascadeResult;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.RouteDecision;
import dev.ponder.cascade.StreamMode;
import dev.ponder.cascade.Tier;
import dev.ponder.cascade.TokenUsage;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cascade's own cost per request, with backends that answer at once and a scorer that costs nothing (scoring has
 * its own benchmark in router-model): picking the start tier, running one accepted tier, climbing past an abstaining
 * tier, streaming, and the IDK check on a long answer. Run: {@code ./mvnw -q -pl cascade test-compile exec:exec@jmh}
 * (sample mode: read the p0.50 and p0.99 lines).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class CascadeBenchmark {

    private static final ChatRequest EASY = request("What is the capital of France?");
    private static final ChatRequest HARD = request("Prove that there are infinitely many primes of the form 4k+3.");
    private static final String LONG_ANSWER = "The capital of France is Paris. ".repeat(40);

    private final AbstentionDetector abstention = new AbstentionDetector();
    // Hard prompts (longer) score above the 0.5 threshold and start at the top tier; easy ones start at the bottom.
    private final CascadeEngine engine = new CascadeEngine(
            request -> request.lastUserText().length() > 40 ? 0.9 : 0.1, abstention, Clock.systemUTC());
    private final CascadePolicy answers =
            policy(new InstantBackend("small", "Paris."), new InstantBackend("large", "Paris."));
    private final CascadePolicy abstains =
            policy(new InstantBackend("small", "I don't know."), new InstantBackend("large", "Paris."));
    private final ChatAnswer longAnswer = new ChatAnswer("m", LONG_ANSWER, null, null, null, null, 0, null);

    @Benchmark
    public RouteDecision route() {
        return engine.route(HARD, answers);
    }

    @Benchmark
    public CascadeResult acceptFirstTier() {
        return engine.run(EASY, answers);
    }

    @Benchmark
    public CascadeResult escalateOnIdk() {
        return engine.run(EASY, abstains);
    }

    @Benchmark
    public CascadeResult verifyThenStream(Blackhole sink) {
        return engine.stream(EASY, abstains, StreamMode.VERIFY_THEN_STREAM, sink::consume);
    }

    @Benchmark
    public boolean idkCheckOnLongAnswer() {
        return abstention.abstains(longAnswer);
    }

    private static ChatRequest request(String prompt) {
        return ChatRequest.of(
                List.of(ChatMessage.of(Role.SYSTEM, "You are terse."), ChatMessage.of(Role.USER, prompt)));
    }

    private static CascadePolicy policy(ModelBackend small, ModelBackend large) {
        return new CascadePolicy(
                "bench", List.of(new Tier("small", small), new Tier("large", large)), List.of(0.5), null);
    }

    /** A backend that answers at once with a fixed text, so that only the cascade's own work is measured. */
    private record InstantBackend(BackendInfo info, ChatAnswer answer) implements ModelBackend {
        InstantBackend(String name, String text) {
            this(
                    new BackendInfo(name, "fake", name + "-model", null, null),
                    new ChatAnswer(name + "-model", text, null, null, new TokenUsage(12, 3), null, 0.0001, null));
        }

        @Override
        public ChatAnswer chat(ChatRequest request) {
            return answer;
        }

        @Override
        public ChatAnswer stream(ChatRequest request, java.util.function.Consumer<Delta> onDelta) {
            onDelta.accept(new Delta.Text(answer.text()));
            return answer;
        }
    }
}
