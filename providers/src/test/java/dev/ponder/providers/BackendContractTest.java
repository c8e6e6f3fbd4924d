package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.BackendException.Action;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.FinishReason;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.ToolCall;
import dev.ponder.cascade.ToolChoice;
import dev.ponder.cascade.ToolSpec;
import dev.ponder.providers.testing.FakeLlmServer;
import dev.ponder.providers.testing.FakeLlmServer.Reply;
import dev.ponder.providers.testing.WireProtocol;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.json.JsonMapper;

/** What every backend type must do, checked against a local server speaking its real wire protocol. */
class BackendContractTest {

    private static final String KEY = "sk-contract-secret-0123456789";
    private static final ToolSpec WEATHER = new ToolSpec(
            "get_weather",
            "Current weather in a city",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}",
            null);

    private final BackendFactory factory = new BackendFactory(Clock.systemUTC());
    private FakeLlmServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void answersWithTextUsageCostAndTheReportedModel(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.reportModel("model-2026-01-01");

        ChatAnswer answer = backend.chat(ask("hello there"));

        assertThat(answer.text()).isEqualTo("echo: hello there");
        assertThat(answer.model()).isEqualTo("model-2026-01-01");
        assertThat(answer.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(answer.usage().outputTokens()).isEqualTo(5);
        assertThat(answer.usage().inputTokens()).isPositive();
        // $1 per 1M input tokens, $2 per 1M output tokens.
        assertThat(answer.costUsd())
                .isEqualTo((answer.usage().inputTokens() + 2.0 * answer.usage().outputTokens()) / 1_000_000);
    }

    /** A streamed answer names the model the server reported, as a whole one does, not the configured one. */
    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aStreamedAnswerNamesTheReportedModelAsAWholeOneDoes(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.reportModel("model-2026-01-01");

        ChatAnswer answer = backend.stream(ask("hello there"), delta -> {});

        assertThat(answer.model()).isEqualTo("model-2026-01-01");
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void streamsDeltasThatAssembleToTheAnswer(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        List<Delta> deltas = new ArrayList<>();

        ChatAnswer answer = backend.stream(ask("one two three"), deltas::add);

        assertThat(deltas).hasSizeGreaterThan(1).allMatch(Delta.Text.class::isInstance);
        assertThat(deltas.stream().map(d -> ((Delta.Text) d).text()).collect(Collectors.joining()))
                .isEqualTo(answer.text())
                .isEqualTo("echo: one two three");
        assertThat(answer.usage().outputTokens()).isEqualTo(5);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void sendsToolsAndReturnsTheToolCallsAsked(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.replyWith(prompt -> Reply.toolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"));

        ChatAnswer answer = backend.chat(withWeatherTool("weather in Paris?"));

        assertThat(server.requestBodies().getLast()).contains("get_weather", "Current weather in a city");
        assertThat(answer.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(answer.toolCalls()).singleElement().satisfies(call -> {
            assertThat(call.name()).isEqualTo("get_weather");
            assertThat(json(call.argumentsJson())).isEqualTo(Map.of("city", "Paris"));
        });
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void streamsToolCallsAsFragmentsWithIdAndNameFirst(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.replyWith(prompt -> Reply.toolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"));
        List<Delta.ToolCallFragment> fragments = new ArrayList<>();

        ChatAnswer answer = backend.stream(withWeatherTool("weather in Paris?"), delta -> {
            if (delta instanceof Delta.ToolCallFragment fragment) {
                fragments.add(fragment);
            }
        });

        assertThat(fragments.getFirst().name()).isEqualTo("get_weather");
        assertThat(fragments.stream().skip(1)).allMatch(f -> f.name() == null && f.index() == 0);
        String arguments = fragments.stream()
                .map(Delta.ToolCallFragment::argumentsFragment)
                .collect(Collectors.joining());
        assertThat(json(arguments)).isEqualTo(Map.of("city", "Paris"));
        assertThat(answer.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather");
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aCallersBadRequestIsGiveUpWithTheUpstreamStatusAndMessageAndIsNotRetried(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.failNext(400, protocol.errorBody(400, "invalid_request_error", "max_tokens is too large"));

        assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.GIVE_UP);
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.errorType()).isEqualTo("invalid_request_error");
            assertThat(e.getMessage()).isEqualTo("max_tokens is too large");
        });
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aRefusedApiKeyEscalatesAsThisBackendsFaultNeverShowingTheKey(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.failNext(401, protocol.errorBody(401, "authentication_error", "Incorrect API key provided: " + KEY));

        assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.failure()).isEqualTo(BackendException.Failure.BAD_UPSTREAM);
            assertThat(e.httpStatus()).isEqualTo(401);
            assertThat(e.getMessage())
                    .contains("HTTP 401", "Incorrect API key provided")
                    .doesNotContain(KEY);
        });
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aKeyTheUpstreamEchoesIsInNothingALogLinePrintsOfTheFailure(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        String echo = protocol.errorBody(401, "authentication_error", "Incorrect API key provided: " + KEY);
        server.failNext(401, echo);
        server.failNext(401, echo);

        assertThatThrownBy(() -> backend.chat(ask("x"))).satisfies(e -> assertThat(asLogged(e))
                .contains("Incorrect API key provided")
                .doesNotContain(KEY));
        assertThatThrownBy(() -> backend.stream(ask("x"), delta -> {})).satisfies(e -> assertThat(asLogged(e))
                .contains("Incorrect API key provided")
                .doesNotContain(KEY));
    }

    /** What a logger prints of a failure: its stack trace and the toString and message of each exception in it. */
    private static String asLogged(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        StringBuilder out = new StringBuilder(trace.toString());
        for (Throwable t = failure; t != null; t = t.getCause()) {
            out.append('\n').append(t).append('\n').append(t.getMessage());
        }
        return out.toString();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void retriesA429AfterItsRetryAfterInsteadOfTheBackoff(WireProtocol protocol) {
        // A 60 s backoff: only honouring "Retry-After: 0" lets the retry come at once.
        GuardedBackend backend = backend(protocol, resilience(3, Duration.ofSeconds(60)));
        server.failNext(429, protocol.errorBody(429, "rate_limit_error", "slow down"), Map.of("Retry-After", "0"));

        long start = System.nanoTime();
        ChatAnswer answer = backend.chat(ask("again"));

        assertThat(answer.text()).isEqualTo("echo: again");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void escalatesAtOnceWhenRetryAfterIsLongerThanItWillWait(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.failNext(429, protocol.errorBody(429, "rate_limit_error", "slow down"), Map.of("Retry-After", "3600"));

        assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.httpStatus()).isEqualTo(429);
            assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(1));
        });
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void retriesServerErrorsThenEscalatesWhenAttemptsAreSpent(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        for (int i = 0; i < 4; i++) {
            server.failNext(503, protocol.errorBody(503, "server_error", "overloaded"));
        }

        assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.httpStatus()).isEqualTo(503);
        });
        assertThat(server.requestCount()).isEqualTo(3);
        // The fourth failure is still queued: the next call meets it, then succeeds on its retry.
        assertThat(backend.chat(ask("y")).text()).isEqualTo("echo: y");
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void anAnswerThatIsNotJsonIsABadUpstreamAnswerAndIsNotRetried(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.failNext(200, "{\"id\": \"x\", \"choices\": [");

        assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.failure()).isEqualTo(BackendException.Failure.BAD_UPSTREAM);
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.getMessage()).contains("unreadable answer");
        });
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void retriesAStreamThatFailsBeforeItsFirstDelta(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.failNext(502, protocol.errorBody(502, "server_error", "bad gateway"));
        List<Delta> deltas = new ArrayList<>();

        ChatAnswer answer = backend.stream(ask("again"), deltas::add);

        assertThat(answer.text()).isEqualTo("echo: again");
        assertThat(deltas).hasSize(2);
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aSlowFirstByteTimesOutAndEscalates(WireProtocol protocol) {
        GuardedBackend backend = backend(
                protocol,
                fast(),
                new BackendSpec.Timeouts(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(400)));
        server.delayFirstByte(Duration.ofMillis(1000));

        // Streamed or not, the same silence is a timeout: the gateway's 504, not a 503 for an unavailable server.
        assertThatThrownBy(() -> backend.stream(ask("x"), delta -> {}))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.action()).isEqualTo(Action.ESCALATE);
                    assertThat(e.failure()).isEqualTo(BackendException.Failure.TIMEOUT);
                    assertThat(e.getMessage()).contains("first token");
                });
        assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.failure()).isEqualTo(BackendException.Failure.TIMEOUT);
        });
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aStreamThatEndsCleanlyMidAnswerEscalatesInsteadOfPassingForAWholeAnswer(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.reply(prompt -> "a long answer in many small pieces");
        server.endNextStreamAfter(3);
        List<Delta> deltas = new ArrayList<>();

        assertThatThrownBy(() -> backend.stream(ask("x"), deltas::add))
                .isInstanceOfSatisfying(BackendException.class, e -> {
                    assertThat(e.action()).isEqualTo(Action.ESCALATE);
                    assertThat(e.failure()).isEqualTo(BackendException.Failure.BAD_UPSTREAM);
                    assertThat(e.getMessage()).contains("cut off");
                });
        assertThat(deltas).isNotEmpty();
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aStreamCutMidwayEscalatesWithoutRetryingWhatTheCallerAlreadyHas(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        server.reply(prompt -> "a long answer in many small pieces");
        server.cutNextStreamAfter(3);
        List<Delta> deltas = new ArrayList<>();

        assertThatThrownBy(() -> backend.stream(ask("x"), deltas::add))
                .isInstanceOfSatisfying(
                        BackendException.class, e -> assertThat(e.action()).isEqualTo(Action.ESCALATE));
        assertThat(deltas).isNotEmpty();
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(WireProtocol.class)
    void aServerThatIsDownEscalatesAndFailsItsProbe(WireProtocol protocol) {
        GuardedBackend backend = backend(protocol, fast());
        assertThat(backend.probe().healthy()).isTrue();
        server.close();

        assertThatThrownBy(() -> backend.chat(ask("x"))).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.action()).isEqualTo(Action.ESCALATE);
            assertThat(e.httpStatus()).isZero();
        });
        assertThat(backend.probe().healthy()).isFalse();
        assertThat(backend.state().lastProbe().healthy()).isFalse();
        assertThat(backend.state().lastError()).contains("unreachable");
    }

    private GuardedBackend backend(WireProtocol protocol, BackendSpec.Resilience resilience) {
        // Generous: a cold JVM's first call through a LangChain4j model takes seconds on a busy machine.
        return backend(
                protocol,
                resilience,
                new BackendSpec.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofSeconds(20)));
    }

    private GuardedBackend backend(
            WireProtocol protocol, BackendSpec.Resilience resilience, BackendSpec.Timeouts timeouts) {
        server = protocol.start();
        return factory.create(
                protocol.type(),
                new BackendSpec(
                        protocol.type(),
                        server.baseUrl(),
                        KEY,
                        "model-a",
                        new Price(1, 2),
                        null,
                        timeouts,
                        resilience,
                        null,
                        null,
                        null));
    }

    private static BackendSpec.Resilience fast() {
        return resilience(3, Duration.ofMillis(1));
    }

    private static BackendSpec.Resilience resilience(int attempts, Duration backoff) {
        return new BackendSpec.Resilience(
                attempts, backoff, null, null, backoff, Duration.ofSeconds(5), null, null, null, null, null);
    }

    private static ChatRequest ask(String prompt) {
        return ChatRequest.of(List.of(ChatMessage.of(Role.USER, prompt)));
    }

    private static ChatRequest withWeatherTool(String prompt) {
        return new ChatRequest(
                List.of(ChatMessage.of(Role.USER, prompt)),
                null,
                List.of(WEATHER),
                new ToolChoice(ToolChoice.Mode.AUTO, null),
                null,
                null,
                null,
                null,
                null,
                null);
    }

    private static Object json(String text) {
        return JsonMapper.shared().readValue(text, Map.class);
    }
}
