package dev.ponder.providers.testing;

import java.util.function.Supplier;

/**
 * The wire protocols Ponder's backend types speak, each with its fake server and error body. Lets one test run
 * against every type: {@code @EnumSource(WireProtocol.class)}.
 */
public enum WireProtocol {
    OPENAI("openai", FakeOpenAiServer::start),
    OLLAMA("ollama", FakeOllamaServer::start),
    ANTHROPIC("anthropic", FakeAnthropicServer::start),
    GEMINI("gemini", FakeGeminiServer::start);

    private final String type;
    private final Supplier<FakeLlmServer> starter;

    WireProtocol(String type, Supplier<FakeLlmServer> starter) {
        this.type = type;
        this.starter = starter;
    }

    /** The backend type ({@code BackendSpec.type}) that speaks this protocol. */
    public String type() {
        return type;
    }

    public FakeLlmServer start() {
        return starter.get();
    }

    /** This protocol's error body for a status, with {@code errorType} where the protocol has one. */
    public String errorBody(int status, String errorType, String message) {
        return switch (this) {
            case OPENAI -> FakeOpenAiServer.errorBody(errorType, message);
            case OLLAMA -> FakeOllamaServer.errorBody(message);
            case ANTHROPIC -> FakeAnthropicServer.errorBody(errorType, message);
            case GEMINI -> FakeGeminiServer.errorBody(status, errorType.toUpperCase(java.util.Locale.ROOT), message);
        };
    }
}
