package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackendSpecTest {

    @Test
    void aBackendWithoutATypeIsToldEveryTypeThereIs() {
        assertThatThrownBy(() -> new BackendSpec(null, null, null, "m", null, null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a backend needs a type (openai, ollama, anthropic, gemini or replay)");
    }
}
