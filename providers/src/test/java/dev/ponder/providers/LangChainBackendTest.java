package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.BackendException;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ContentPart;
import dev.ponder.cascade.Delta;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.ResponseFormat;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.SamplingOptions;
import dev.ponder.cascade.TokenLogprob;
import dev.ponder.cascade.TokenUsage;
import dev.ponder.cascade.ToolCall;
import dev.ponder.cascade.ToolChoice;
import dev.ponder.cascade.ToolSpec;
import dev.ponder.providers.testing.FakeAnthropicServer;
import dev.ponder.providers.testing.FakeGeminiServer;
import dev.ponder.providers.testing.FakeLlmServer;
import dev.ponder.providers.testing.FakeOllamaServer;
import dev.ponder.providers.testing.FakeOpenAiServer;
import dev.ponder.providers.testing.WireProtocol;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What goes beyond the common contract: OpenAI's verbatim passthrough and logprobs, Anthropic's named tool. */
class LangChainBackendTest {

    private static final ToolSpec WEATHER = new ToolSpec(
            "get_weather",
            null,
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"additionalProperties\":false}",
            true);

    private final BackendFactory factory = new BackendFactory(Clock.systemUTC());

    @Test
    void openAiReturnsTokenLogprobsWithTheirTopAlternatives() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            ChatRequest request = ask("one two")
                    .withOptions(new SamplingOptions(null, null, null, null, null, null, true, 2, null, null, false));

            ChatAnswer answer = backend.chat(request);
            List<Delta> deltas = new java.util.ArrayList<>();
            ChatAnswer streamed = backend.stream(request, deltas::add);

            assertThat(answer.logprobs()).extracting(TokenLogprob::token).containsExactly("echo:", " one", " two");
            assertThat(answer.logprobs().get(1).logprob()).isEqualTo(-0.1);
            assertThat(answer.logprobs().get(1).top())
                    .extracting(TokenLogprob::token)
                    .containsExactly(" one", "alt1");
            assertThat(streamed.logprobs()).extracting(TokenLogprob::token).containsExactly("echo:", " one", " two");
            // Each streamed piece carries its own tokens' logprobs, as the chunk that brought it did.
            assertThat(deltas).allSatisfy(delta -> {
                Delta.Text text = (Delta.Text) delta;
                assertThat(text.logprobs()).extracting(TokenLogprob::token).containsExactly(text.text());
                assertThat(text.logprobs().getFirst().top()).hasSize(2);
            });
            assertThat(deltas).hasSize(3);
        }
    }

    @Test
    void openAiRequestsAreSentCompactNotPrettyPrinted() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            backend("openai", server).chat(ChatRequest.of(List.of(ChatMessage.of(Role.USER, "hello there"))));

            String sent = server.requestBodies().getLast();
            assertThat(sent).doesNotContain("\n").startsWith("{\"model\":");
            assertThat(JsonMapper.shared()
                            .readTree(sent)
                            .at("/messages/0/content")
                            .asString())
                    .isEqualTo("hello there");
        }
    }

    @Test
    void openAiGetsToolChoiceResponseFormatImagesTheSpeakersNameAndBookkeepingVerbatim() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            ChatRequest request = new ChatRequest(
                    List.of(new ChatMessage(
                            Role.USER,
                            List.of(
                                    new ContentPart.Text("what is this?"),
                                    new ContentPart.Image("https://example.com/cat.png", "low")),
                            "bob",
                            null,
                            null)),
                    null,
                    List.of(WEATHER),
                    new ToolChoice(ToolChoice.Mode.FUNCTION, "get_weather"),
                    false,
                    new ResponseFormat(
                            ResponseFormat.Type.JSON_SCHEMA,
                            "answer",
                            "{\"type\":\"object\",\"minProperties\":1}",
                            true),
                    "user-7",
                    java.util.Map.of("team", "search"),
                    true,
                    "flex");
            // A 64-bit seed, as OpenAI takes it; LangChain4j's typed seed is only an int.
            request = request.withOptions(
                    new SamplingOptions(null, null, null, null, 1L << 40, null, null, null, null, null, false));

            backend.chat(request);

            JsonNode sent = JsonMapper.shared().readTree(server.requestBodies().getLast());
            assertThat(sent.at("/tool_choice/function/name").asString()).isEqualTo("get_weather");
            assertThat(sent.at("/tools/0/function/strict").asBoolean()).isTrue();
            assertThat(sent.at("/tools/0/function/parameters/additionalProperties")
                            .asBoolean(true))
                    .isFalse();
            assertThat(sent.at("/response_format/json_schema/schema/minProperties")
                            .asInt())
                    .isEqualTo(1);
            assertThat(sent.at("/parallel_tool_calls").asBoolean(true)).isFalse();
            assertThat(sent.at("/user").asString()).isEqualTo("user-7");
            assertThat(sent.at("/metadata/team").asString()).isEqualTo("search");
            assertThat(sent.at("/store").asBoolean()).isTrue();
            assertThat(sent.at("/service_tier").asString()).isEqualTo("flex");
            assertThat(sent.at("/seed").asLong()).isEqualTo(1L << 40);
            assertThat(sent.at("/messages/0/name").asString()).isEqualTo("bob");
            assertThat(sent.at("/messages/0/content/1/image_url/url").asString())
                    .isEqualTo("https://example.com/cat.png");
        }
    }

    @Test
    void ollamaGetsA64BitSeedFoldedInto32Bits() {
        try (FakeOllamaServer server = FakeOllamaServer.start()) {
            GuardedBackend backend = backend("ollama", server);
            for (long seed : new long[] {42, -7, (1L << 40) + 3}) {
                backend.chat(ChatRequest.of(List.of(ChatMessage.of(Role.USER, "hi")))
                        .withOptions(new SamplingOptions(
                                null, null, null, null, seed, null, null, null, null, null, false)));
            }

            assertThat(server.requestBodies())
                    .extracting(body -> JsonMapper.shared()
                            .readTree(body)
                            .at("/options/seed")
                            .asLong())
                    // 2^40 + 3: its low 32 bits (3) XOR its high 32 bits (2^8).
                    .containsExactly(42L, -7L, 259L);
        }
    }

    @Test
    void anthropicIsToldToUseTheNamedTool() {
        try (FakeAnthropicServer server = FakeAnthropicServer.start()) {
            GuardedBackend backend = backend("anthropic", server);
            backend.chat(withWeather(
                    new ToolChoice(ToolChoice.Mode.FUNCTION, "get_weather"),
                    ChatMessage.of(Role.SYSTEM, "be brief"),
                    ChatMessage.of(Role.USER, "weather?")));

            JsonNode sent = JsonMapper.shared().readTree(server.requestBodies().getLast());
            assertThat(sent.at("/tool_choice/type").asString()).isEqualTo("tool");
            assertThat(sent.at("/tool_choice/name").asString()).isEqualTo("get_weather");
            assertThat(sent.at("/tools/0/input_schema/properties/city/type").asString())
                    .isEqualTo("string");
        }
    }

    @Test
    void anthropicGetsTheBackendsDefaultCapOnlyWhenTheClientSetsNone() {
        try (FakeAnthropicServer server = FakeAnthropicServer.start()) {
            GuardedBackend unconfigured = backend("anthropic", server);
            GuardedBackend configured = backend("anthropic", server, 8000);

            unconfigured.chat(ask("hi"));
            configured.chat(ask("hi"));
            configured.stream(ask("hi"), delta -> {});
            configured.chat(ask("hi").withOptions(maxTokens(100)));

            assertThat(server.requestBodies())
                    .extracting(body -> JsonMapper.shared()
                            .readTree(body)
                            .path("max_tokens")
                            .asInt())
                    .containsExactly(4096, 8000, 8000, 100);
            // what a key's reservation reads to bound such a request
            assertThat(unconfigured.info().defaultMaxTokens()).isEqualTo(4096);
            assertThat(configured.info().defaultMaxTokens()).isEqualTo(8000);
        }
    }

    @Test
    void openAiGetsNoCapTheClientDidNotSetUnlessTheBackendConfiguresOne() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend unconfigured = backend("openai", server);
            GuardedBackend configured = backend("openai", server, 500);

            unconfigured.chat(ask("hi"));
            configured.chat(ask("hi"));

            assertThat(server.requestBodies())
                    .extracting(body -> JsonMapper.shared().readTree(body).get("max_tokens"))
                    .extracting(cap -> cap == null ? null : cap.asInt())
                    .containsExactly(null, 500);
            assertThat(unconfigured.info().defaultMaxTokens()).isNull();
            assertThat(configured.info().defaultMaxTokens()).isEqualTo(500);
        }
    }

    private static SamplingOptions maxTokens(int cap) {
        return new SamplingOptions(null, null, cap, null, null, null, null, null, null, null, false);
    }

    @Test
    void ollamaAndAnthropicAnswerRequestsCarryingPenaltiesTheyHaveNoPlaceFor() {
        // Chat front ends send presence_penalty and frequency_penalty, often 0, with every request: refused, each
        // request would skip the cheap tier.
        ChatRequest request = ask("hi")
                .withOptions(new SamplingOptions(null, null, null, null, null, null, null, null, 0.0, 0.5, false));
        for (WireProtocol protocol : List.of(WireProtocol.OLLAMA, WireProtocol.ANTHROPIC)) {
            try (FakeLlmServer server = protocol.start()) {
                GuardedBackend backend = backend(protocol.type(), server);

                assertThat(backend.chat(request).text()).isEqualTo("echo: hi");
                assertThat(backend.stream(request, delta -> {}).text()).isEqualTo("echo: hi");
                assertThat(server.requestBodies()).hasSize(2).noneMatch(body -> body.contains("penalty"));
            }
        }
    }

    @Test
    void whatABackendsProtocolCannotTakeEscalatesWithoutCountingAgainstIt() {
        try (FakeOllamaServer ollama = FakeOllamaServer.start();
                FakeAnthropicServer anthropic = FakeAnthropicServer.start()) {
            GuardedBackend toOllama = backend("ollama", ollama);
            GuardedBackend toAnthropic = backend("anthropic", anthropic);
            ChatRequest jsonObject = new ChatRequest(
                    List.of(ChatMessage.of(Role.USER, "hi")),
                    null,
                    null,
                    null,
                    null,
                    new ResponseFormat(ResponseFormat.Type.JSON_OBJECT, null, null, null),
                    null,
                    null,
                    null,
                    null);

            assertUnsupported(
                    () -> toOllama.chat(withWeather(
                            new ToolChoice(ToolChoice.Mode.REQUIRED, null), ChatMessage.of(Role.USER, "weather?"))),
                    "tool_choice");
            assertUnsupported(() -> toAnthropic.stream(jsonObject, delta -> {}), "response_format");

            // Ollama has no tool_choice, but a model offered no tools calls none.
            toOllama.chat(withWeather(new ToolChoice(ToolChoice.Mode.NONE, null), ChatMessage.of(Role.USER, "hi")));
            assertThat(ollama.requestBodies()).singleElement().satisfies(body -> assertThat(
                            JsonMapper.shared().readTree(body).path("tools"))
                    .isEmpty());
            assertThat(anthropic.requestCount()).isZero();
            assertThat(List.of(toOllama, toAnthropic))
                    .allSatisfy(
                            backend -> assertThat(backend.state().lastError()).isNull());
            // The circuit counted the one call that went out, and neither refusal.
            assertThat(toOllama.state().bufferedCalls()).isEqualTo(1);
            assertThat(toAnthropic.state().bufferedCalls()).isZero();
        }
    }

    private static void assertUnsupported(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String param) {
        assertThatThrownBy(call).isInstanceOfSatisfying(BackendException.class, e -> {
            // Another tier may take it; if none does, the client gets a 400 naming the field.
            assertThat(e.action()).isEqualTo(BackendException.Action.ESCALATE);
            assertThat(e.failure()).isEqualTo(BackendException.Failure.REJECTED);
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.errorParam()).isEqualTo(param);
        });
    }

    @Test
    void geminiGetsTheToolNameOfAResultFromTheCallItAnswers() {
        try (FakeGeminiServer server = FakeGeminiServer.start()) {
            GuardedBackend backend = backend("gemini", server);
            backend.chat(withWeather(
                    null,
                    ChatMessage.of(Role.USER, "weather in Paris?"),
                    new ChatMessage(
                            Role.ASSISTANT,
                            null,
                            null,
                            null,
                            List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                    new ChatMessage(Role.TOOL, List.of(new ContentPart.Text("sunny")), null, "call_1", null)));

            JsonNode sent = JsonMapper.shared().readTree(server.requestBodies().getLast());
            assertThat(sent.findValue("functionResponse").path("name").asString(""))
                    .isEqualTo("get_weather");
        }
    }

    /**
     * OpenAI answers a request it will not serve under structured outputs with a refusal in place of the content;
     * LangChain4j reads it as an exception. It is an answer all the same, billed as one: the model and usage the
     * upstream sent, no retry, and nothing on the circuit.
     */
    @Test
    void anOpenAiRefusalIsAnAnswerWithItsModelAndUsageNotARetriedFailure() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server, new Price(2.5, 10));
            server.failNext(200, """
                    {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-2024-08-06",
                     "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                                  "message": {"role": "assistant", "content": null,
                                              "refusal": "I'm sorry, I cannot help with that."}}],
                     "usage": {"prompt_tokens": 9, "completion_tokens": 8, "total_tokens": 17}}""");

            ChatAnswer answer = backend.chat(ask("hi"));

            assertThat(answer.refusal()).isEqualTo("I'm sorry, I cannot help with that.");
            assertThat(answer.text()).isEmpty();
            assertThat(answer.finishReason()).isEqualTo(dev.ponder.cascade.FinishReason.STOP);
            assertThat(answer.model()).isEqualTo("gpt-4o-2024-08-06");
            assertThat(answer.usage()).isEqualTo(new TokenUsage(9, 8));
            assertThat(answer.costUsd()).isEqualTo(new Price(2.5, 10).cost(new TokenUsage(9, 8)));
            assertThat(server.requestCount()).as("not retried").isEqualTo(1);
            assertThat(backend.state().lastError()).isNull();
        }
    }

    /** LangChain4j drops the refusal deltas of an OpenAI stream: they reach the caller all the same, in order. */
    @Test
    void anOpenAiStreamedRefusalArrivesAsRefusalDeltasAndEndsAsARefusal() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            server.replyWith(prompt -> FakeLlmServer.Reply.refusal("I'm sorry, I cannot help."));
            List<Delta> deltas = new java.util.ArrayList<>();

            ChatAnswer answer = backend.stream(ask("hi"), deltas::add);

            assertThat(deltas)
                    .containsExactly(
                            new Delta.Refusal("I'm"),
                            new Delta.Refusal(" sorry,"),
                            new Delta.Refusal(" I"),
                            new Delta.Refusal(" cannot"),
                            new Delta.Refusal(" help."));
            assertThat(answer.refusal()).isEqualTo("I'm sorry, I cannot help.");
            assertThat(answer.text()).isEmpty();
            assertThat(answer.finishReason()).isEqualTo(dev.ponder.cascade.FinishReason.STOP);
            // The upstream's own count (its usage chunk), refusal tokens included: 25 characters at 4 a token.
            assertThat(answer.usage().outputTokens()).isEqualTo(7);
        }
    }

    /** An answer's {@code "refusal": null} beside its content is no refusal. */
    @Test
    void anOpenAiAnswerWithANullRefusalIsNoRefusal() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);

            assertThat(backend.chat(ask("hi")).refused()).isFalse();
            assertThat(backend.stream(ask("hi"), delta -> {}).refused()).isFalse();
        }
    }

    @Test
    void geminiRefusingPondersApiKeyWithA400EscalatesAsThisBackendsFaultNotTheCallers() {
        try (FakeGeminiServer server = FakeGeminiServer.start()) {
            GuardedBackend backend = backend("gemini", server);
            server.failNext(400, FakeGeminiServer.apiKeyInvalidBody());
            server.failNext(400, FakeGeminiServer.errorBody(400, "INVALID_ARGUMENT", "temperature out of range"));

            // Passed on, the caller would read "API key not valid" as about its own key, and no other tier would try.
            assertThatThrownBy(() -> backend.chat(ask("hi"))).isInstanceOfSatisfying(BackendException.class, e -> {
                assertThat(e.action()).isEqualTo(BackendException.Action.ESCALATE);
                assertThat(e.failure()).isEqualTo(BackendException.Failure.BAD_UPSTREAM);
                assertThat(e.getMessage()).contains("this backend's configuration", "API key not valid");
            });
            assertThatThrownBy(() -> backend.chat(ask("hi")))
                    .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.action())
                            .isEqualTo(BackendException.Action.GIVE_UP));
        }
    }

    @Test
    void aStreamBrokenOffByAnErrorEventSaysWhatTheUpstreamReported() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            server.reply(prompt -> "a long answer in many small pieces");
            // As vLLM and llama.cpp report a failure once a stream has begun: an event, then the end of the body.
            server.failNextStreamAfter(
                    2, "data: " + FakeOpenAiServer.errorBody("server_error", "CUDA out of memory") + "\n\n");
            List<Delta> deltas = new java.util.ArrayList<>();

            assertThatThrownBy(() -> backend.stream(ask("x"), deltas::add))
                    .isInstanceOfSatisfying(BackendException.class, e -> {
                        assertThat(e.action()).isEqualTo(BackendException.Action.ESCALATE);
                        assertThat(e.failure()).isEqualTo(BackendException.Failure.BAD_UPSTREAM);
                        assertThat(e.getMessage()).contains("cut off", "the upstream reported: CUDA out of memory");
                    });
            assertThat(deltas).hasSize(2);
        }
    }

    @Test
    void streamsFromAServerThatRefusesStreamOptionsGoOutWithoutThem() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            server.refuseStreamOptions();

            // LangChain4j asks every stream for its usage; the client never sent stream_options and must not get a 400.
            assertThat(backend.stream(ask("one"), delta -> {}).text()).isEqualTo("echo: one");
            assertThat(backend.stream(ask("two"), delta -> {}).text()).isEqualTo("echo: two");

            // Refused once, then left out: the second stream costs no refusal.
            assertThat(server.requestBodies()).hasSize(3);
            assertThat(server.requestBodies().getFirst()).contains("stream_options");
            assertThat(server.requestBodies().subList(1, 3)).noneMatch(body -> body.contains("stream_options"));
            assertThat(backend.state().lastError()).isNull();
        }
    }

    @Test
    void aStreamWhoseServerCountsNoTokensIsCountedAndChargedByEstimate() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            // $1 an input token, $2 an output token: the cost shows which count it used.
            GuardedBackend backend = backend("openai", server, new Price(1_000_000, 2_000_000));
            server.refuseStreamOptions();

            ChatAnswer answer = backend.stream(ask("twenty characters!!!"), delta -> {});

            // Without usage the backend still charged for 20 characters in and "echo: twenty characters!!!" out.
            assertThat(answer.text()).isEqualTo("echo: twenty characters!!!");
            assertThat(answer.usage()).isEqualTo(new TokenUsage(5, 7));
            assertThat(answer.costUsd()).isEqualTo(5 + 2 * 7.0);
        }
    }

    @Test
    void aRefusalThatOnlyMentionsStreamOptionsLeavesThemInTheNextStreams() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            // A prompt can make an upstream's refusal say anything; only an answer without them proves them unknown.
            String echo = FakeOpenAiServer.errorBody("invalid_request_error", "bad prompt: 'stream_options'");
            server.failNext(400, echo);
            server.failNext(400, echo);

            assertThatThrownBy(() -> backend.stream(ask("stream_options"), delta -> {}))
                    .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.action())
                            .isEqualTo(BackendException.Action.GIVE_UP));
            backend.stream(ask("next"), delta -> {});

            assertThat(server.requestBodies()).hasSize(3);
            assertThat(server.requestBodies().getLast()).contains("stream_options");
        }
    }

    @Test
    void aConsumerThatFailsGetsItsOwnExceptionBackAndIsNotRetried() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            IllegalStateException clientGone = new IllegalStateException("client went away");

            assertThatThrownBy(() -> backend.stream(ask("hello"), delta -> {
                        throw clientGone;
                    }))
                    .isSameAs(clientGone);
            assertThat(server.requestCount()).isEqualTo(1);
            assertThat(backend.state().bufferedCalls()).isZero();
        }
    }

    @Test
    void anInterruptedStreamGivesUpPromptlyWithoutCountingAgainstTheServer() throws InterruptedException {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            server.delayFirstByte(Duration.ofSeconds(20));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    backend.stream(ask("hello"), delta -> {});
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            });
            Thread.sleep(300);

            caller.interrupt();

            assertThat(caller.join(Duration.ofSeconds(5))).isTrue();
            assertThat(failure.get()).isInstanceOfSatisfying(BackendException.class, e -> {
                assertThat(e.action()).isEqualTo(BackendException.Action.ESCALATE);
                assertThat(e.errorType()).isEqualTo("cancelled");
            });
            assertThat(backend.state().bufferedCalls()).isZero();
        }
    }

    @Test
    void anInterruptMidStreamHangsUpOnTheServer() throws InterruptedException {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);
            server.reply(prompt -> "word ".repeat(50));
            server.paceChunks(Duration.ofMillis(50));
            CountDownLatch firstDelta = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    backend.stream(ask("talk"), delta -> firstDelta.countDown());
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            });
            assertThat(firstDelta.await(10, TimeUnit.SECONDS)).isTrue();

            caller.interrupt();

            assertThat(caller.join(Duration.ofSeconds(5))).isTrue();
            assertThat(failure.get()).isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.errorType())
                    .isEqualTo("cancelled"));
            awaitAbandoned(server);
        }
    }

    @Test
    void aBackendsChatAndStreamingCallsShareItsKeptAliveConnection() {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = backend("openai", server);

            backend.chat(ask("one"));
            backend.stream(ask("two"), delta -> {});
            backend.chat(ask("three"));

            assertThat(server.requestCount()).isEqualTo(3);
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void aStreamSlowerThanTheTotalTimeoutEscalatesAndHangsUp() throws InterruptedException {
        try (FakeOpenAiServer server = FakeOpenAiServer.start()) {
            GuardedBackend backend = factory.create(
                    "openai",
                    new BackendSpec(
                            "openai",
                            server.baseUrl(),
                            null,
                            "m",
                            null,
                            null,
                            new BackendSpec.Timeouts(null, Duration.ofSeconds(3), Duration.ofSeconds(3)),
                            null,
                            null,
                            null,
                            null));
            server.reply(prompt -> "word ".repeat(200));
            server.paceChunks(Duration.ofMillis(50));

            assertThatThrownBy(() -> backend.stream(ask("talk"), delta -> {}))
                    .isInstanceOfSatisfying(BackendException.class, e -> {
                        assertThat(e.action()).isEqualTo(BackendException.Action.ESCALATE);
                        assertThat(e.failure()).isEqualTo(BackendException.Failure.TIMEOUT);
                        assertThat(e.getMessage()).contains("not complete within PT3S");
                    });
            awaitAbandoned(server);
        }
    }

    private static void awaitAbandoned(FakeLlmServer server) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.abandonedAnswers() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.abandonedAnswers()).isEqualTo(1);
    }

    private GuardedBackend backend(String type, FakeLlmServer server) {
        return backend(type, server, null, null);
    }

    private GuardedBackend backend(String type, FakeLlmServer server, Price price) {
        return backend(type, server, price, null);
    }

    private GuardedBackend backend(String type, FakeLlmServer server, Integer defaultMaxTokens) {
        return backend(type, server, null, defaultMaxTokens);
    }

    private GuardedBackend backend(String type, FakeLlmServer server, Price price, Integer defaultMaxTokens) {
        return factory.create(
                type,
                new BackendSpec(
                        type,
                        server.baseUrl(),
                        "sk-test",
                        "model-a",
                        price,
                        null,
                        null,
                        null,
                        null,
                        null,
                        defaultMaxTokens));
    }

    private static ChatRequest withWeather(ToolChoice choice, ChatMessage... messages) {
        return new ChatRequest(List.of(messages), null, List.of(WEATHER), choice, null, null, null, null, null, null);
    }

    private static ChatRequest ask(String prompt) {
        return ChatRequest.of(List.of(ChatMessage.of(Role.USER, prompt)));
    }
}
