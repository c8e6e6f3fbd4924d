package dev.langchain4j.model.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ponder.providers.BackendFactory;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class OpenAiJsonSettingsTest {

    @Test
    void aBackendFactoryLeavesLangChainsOpenAiMapperCompactWithSharedBuffers() {
        new BackendFactory(Clock.systemUTC());

        assertThat(Json.OBJECT_MAPPER.isEnabled(SerializationFeature.INDENT_OUTPUT))
                .isFalse();
        // One pool for every thread: Jackson's default keeps buffers per thread, i.e. per request on virtual threads.
        assertThat(Json.OBJECT_MAPPER.getFactory()._getRecyclerPool()).isSameAs(JsonRecyclerPools.sharedBoundedPool());
    }
}
