package dev.ponder.providers;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackendSpecTest {

    @Test
    void aBackendWithoutATypeIsToldEveryTypeThereIs() {
        assertThatThrownBy(() -> new BackendSpec(null, null, null, "m", null, null, null, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a backend needs a type (openai, ollama, anthropic, gemini or replay)");
    }

    @Test
    void aBaseUrlThatIsNotAnHttpUrlIsRefusedWithItsValue() {
        for (String bad : new String[] {"localhost:11434", "not-a-url", "ftp://host/v1", "http://", "http//host"}) {
            assertThatThrownBy(() -> backend(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("base-url must be an http or https URL such as http://localhost:11434 but was '" + bad
                            + "'");
        }
        for (String good :
                new String[] {"http://localhost:11434", "HTTPS://api.openai.com/v1/", "http://my_vllm:8000/v1", ""}) {
            assertThatCode(() -> backend(good)).as(good).doesNotThrowAnyException();
        }
    }

    private static BackendSpec backend(String baseUrl) {
        return new BackendSpec("openai", baseUrl, null, "m", null, null, null, null, null, null, null);
    }
}
