package dev.ponder.providers;

import static dev.ponder.providers.ReplayBackendTest.ask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Price;
import dev.ponder.providers.testing.FakeOllamaServer;
import dev.ponder.providers.testing.FakeOpenAiServer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LangChainBackendTest {

    private final BackendFactory factory = new BackendFactory(Clock.systemUTC());

    @Test
    void openAiAnswersWithTheReportedModelAndPricedUsage() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            server.reportModel("gpt-4o-mini-2024-07-18");
            ModelBackend backend = factory.create(
                    "openai",
                    new BackendSpec(
                            "openai",
                            server.baseUrl(),
                            "sk-test",
                            "gpt-4o-mini",
                            new Price(1_000_000, 2_000_000),
                            null,
                            null,
                            null,
                            null,
                            null));

            ChatAnswer answer = backend.chat(ask("hello"));

            assertThat(answer.text()).isEqualTo("echo: hello");
            assertThat(answer.model()).isEqualTo("gpt-4o-mini-2024-07-18");
            assertThat(answer.costUsd())
                    .isEqualTo(
                            answer.usage().inputTokens() + 2.0 * answer.usage().outputTokens());
            assertThat(answer.usage().outputTokens()).isEqualTo(3);
        }
    }

    @Test
    void ollamaStreamsNdjsonDeltas() {
        try (FakeOllamaServer server = FakeOllamaServer.start()) {
            ModelBackend backend = factory.create(
                    "local",
                    new BackendSpec("ollama", server.baseUrl(), null, "llama3", null, null, null, null, null, null));
            List<Delta> deltas = new ArrayList<>();

            ChatAnswer answer = backend.stream(ask("one two"), deltas::add);

            assertThat(deltas).containsExactly(new Delta.Text("echo:"), new Delta.Text(" one"), new Delta.Text(" two"));
            assertThat(answer.text()).isEqualTo("echo: one two");
            assertThat(answer.usage().outputTokens()).isEqualTo(4);
        }
    }

    @Test
    void aCallersBadRequestIsGiveUpWithTheUpstreamStatusAndMessage() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            server.failNext(400, FakeOpenAiServer.errorBody("invalid_request_error", "messages is too long"));
            ModelBackend backend = factory.create(
                    "openai",
                    new BackendSpec(
                            "openai", server.baseUrl(), "sk-secret123456", "m", null, null, null, null, null, null));

            assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
                assertThat(e.action()).isEqualTo(BackendException.Action.GIVE_UP);
                assertThat(e.httpStatus()).isEqualTo(400);
                assertThat(e.errorType()).isEqualTo("invalid_request_error");
                assertThat(e.getMessage()).isEqualTo("messages is too long");
            });
        }
    }
}
