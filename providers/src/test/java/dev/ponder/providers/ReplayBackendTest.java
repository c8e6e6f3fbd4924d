package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayBackendTest {

    private static final String DATASET = "classpath:replay/tiny.jsonl";

    private final BackendFactory factory = new BackendFactory(Clock.systemUTC());

    @TempDir
    Path dir;

    @Test
    void answersWithTheRecordedResponseForAWhitespaceNormalisedPrompt() {
        ModelBackend small = replay("small", null, null);

        ChatAnswer answer = small.chat(ask("  Name a prime \t number. "));

        assertThat(answer.text()).isEqualTo("I don't know");
        assertThat(answer.model()).isEqualTo("small");
        assertThat(answer.usage().outputTokens()).isEqualTo(3);
        // Every message counts, at 4 characters a token: "Be brief." is 3, the padded prompt 7.
        assertThat(answer.usage().inputTokens()).isEqualTo(10);
    }

    @Test
    void chargesTheRecordedCostElseThePriceTable() {
        ModelBackend small = replay("small", null, new Price(1_000_000, 2_000_000));

        assertThat(small.chat(ask("What is 2+2?")).costUsd()).isEqualTo(0.0001);
        // No cost_usd recorded: 3 + 5 input tokens at $1 and 3 output tokens at $2.
        assertThat(small.chat(ask("Name a prime number.")).costUsd()).isEqualTo(14.0);
    }

    @Test
    void escalatesOnAPromptItHasNoResponseForUnlessAFixedAnswerIsConfigured() {
        assertThatThrownBy(() -> replay("large", null, null).chat(ask("Name a prime number.")))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.action())
                        .isEqualTo(BackendException.Action.ESCALATE));
        assertThatThrownBy(() -> replay("small", null, null).chat(ask("unknown")))
                .isInstanceOf(BackendException.class);

        ChatAnswer fixed = replay("small", new BackendSpec.Replay(null, "I don't know", null), null)
                .chat(ask("unknown"));
        assertThat(fixed.text()).isEqualTo("I don't know");
    }

    @Test
    void streamsWordsThatJoinToTheRecordedAnswer() {
        List<Delta> deltas = new ArrayList<>();

        ChatAnswer answer = replay("large", null, null).stream(ask("What is 2+2?"), deltas::add);

        assertThat(deltas).hasSize(4).allMatch(Delta.Text.class::isInstance);
        assertThat(deltas.stream().map(d -> ((Delta.Text) d).text()).reduce("", String::concat))
                .isEqualTo(answer.text())
                .isEqualTo("The answer is 4.");
    }

    @Test
    void simulatesFirstTokenAndPerTokenLatency() {
        var latency = new BackendSpec.Replay(Duration.ofMillis(10), null, Duration.ofMillis(50));
        ModelBackend large = replay("large", latency, null);

        long start = System.nanoTime();
        large.chat(ask("What is 2+2?"));

        // 50 ms first token + 4 output tokens x 10 ms.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(90));
    }

    @Test
    void backendsOverOneFileShareOneLoad() throws IOException {
        Path file = dir.resolve("tiny.jsonl");
        Files.copy(getClass().getResourceAsStream("/replay/tiny.jsonl"), file);
        ModelBackend small = factory.create("a", spec(file.toString(), "small", null, null));
        Files.delete(file);

        ModelBackend large = factory.create("b", spec(file.toString(), "large", null, null));

        assertThat(small.chat(ask("What is 2+2?")).text()).isEqualTo("4");
        assertThat(large.chat(ask("What is 2+2?")).text()).isEqualTo("The answer is 4.");
    }

    @Test
    void unknownPromptsDoNotOpenTheCircuit() {
        ModelBackend small = factory.create(
                "small",
                new BackendSpec(
                        "replay",
                        null,
                        null,
                        "small",
                        null,
                        null,
                        null,
                        new BackendSpec.Resilience(1, null, null, null, null, null, 50, 2, 2, null, null),
                        null,
                        DATASET,
                        null));
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> small.chat(ask("unknown"))).isInstanceOf(BackendException.class);
        }

        assertThat(small.chat(ask("What is 2+2?")).text()).isEqualTo("4");
    }

    @Test
    void rejectsADatasetLineThatIsNotJson() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.jsonl"), "{\"prompt\": \"a\", \"outcomes\": {}}\nnot json\n");

        assertThatThrownBy(() -> factory.create("bad", spec(file.toString(), "small", null, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.jsonl")
                .hasMessageContaining("not json");
    }

    @Test
    void rejectsAModelTheDatasetDoesNotHave() {
        assertThatThrownBy(() -> replay("medium", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("medium")
                .hasMessageContaining("large");
    }

    private ModelBackend replay(String model, BackendSpec.Replay replay, Price price) {
        return factory.create("replay-" + model, spec(DATASET, model, replay, price));
    }

    private static BackendSpec spec(String dataset, String model, BackendSpec.Replay replay, Price price) {
        return new BackendSpec("replay", null, null, model, price, null, null, null, replay, dataset, null);
    }

    static ChatRequest ask(String prompt) {
        return ChatRequest.of(List.of(ChatMessage.of(Role.SYSTEM, "Be brief."), ChatMessage.of(Role.USER, prompt)));
    }
}
