package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxEncoderTest {
    private static final OnnxEncoder MINI_LM = network(EncoderModel.MINILM);

    /** The process-wide network: each takes up to a second to load. */
    private static OnnxEncoder network(EncoderModel model) {
        return (OnnxEncoder) Encoders.of(model);
    }

    @Test
    void theTwoEndsOfALongPromptGiveTheWindowTheWholePromptWould() {
        String shots =
                "Question: Which gas do plants absorb?\nA. O2 B. CO₂ (carbon-dioxide) C. N2\nAnswer: B\n\n".repeat(20);
        String prompt = "Solve the following problems; think step by step. " + shots
                + "Question: Whát is the antiderivative of x^2 · e^x over [0, 1]?\nAnswer:";
        OnnxEncoder e5 = network(EncoderModel.E5);

        for (int window : new int[] {40, 96, OnnxEncoder.MAX_TOKENS}) {
            assertThat(OnnxEncoder.window(new long[0], MINI_LM.pieces(prompt, window), window))
                    .isEqualTo(OnnxEncoder.window(new long[0], MINI_LM.ids(prompt), window));
            assertThat(OnnxEncoder.window(e5.prefix(), e5.pieces(prompt, window), window))
                    .isEqualTo(OnnxEncoder.window(e5.prefix(), e5.ids(prompt), window));
        }
        assertThat(MINI_LM.pieces(prompt, 40)).hasSize(38).isNotEqualTo(MINI_LM.ids(prompt));
        assertThat(e5.pieces(prompt, 40)).hasSize(36);
    }

    @Test
    void aShortOrUnbrokenPromptIsTokenizedWhole() {
        String unbroken = "x".repeat(3000);

        assertThat(MINI_LM.pieces("What is 2 + 2?", 40)).isEqualTo(MINI_LM.ids("What is 2 + 2?"));
        assertThat(MINI_LM.pieces(unbroken, 40)).isEqualTo(MINI_LM.ids(unbroken));
    }

    @Test
    void e5SeesItsQueryPrefixAsTheTokenizerWould() {
        OnnxEncoder e5 = network(EncoderModel.E5);
        String text = "Which gas do plants absorb?";

        long[] window = OnnxEncoder.window(e5.prefix(), e5.ids(text), 40);

        assertThat(window).isEqualTo(OnnxEncoder.window(new long[0], e5.ids("query: " + text), 40));
        assertThat(network(EncoderModel.BGE).prefix()).isEmpty();
        for (EncoderModel model : EncoderModel.values()) {
            assertThat(network(model).prefix()).as(model.id()).hasSize(model.minTokens() - 3);
        }
    }

    /**
     * The networks are pooled as LangChain4j's own wrappers pool them (bge: the [CLS] vector; MiniLM and e5: the mean
     * of all tokens), and e5 sees the "query: " its model card asks for, which the wrapper leaves to the caller: on a
     * prompt short enough to be encoded whole, each embedding is the wrapper's.
     */
    @Test
    void aShortPromptEmbedsAsLangChain4jsOwnWrapperEmbedsIt() {
        String text = "How do plants turn sunlight into energy?";
        Map<EncoderModel, EmbeddingModel> wrappers = Map.of(
                EncoderModel.MINILM, new AllMiniLmL6V2QuantizedEmbeddingModel(),
                EncoderModel.BGE, new BgeSmallEnV15QuantizedEmbeddingModel(),
                EncoderModel.E5, new E5SmallV2QuantizedEmbeddingModel());
        for (EncoderModel m : EncoderModel.values()) {
            float[] expected = wrappers.get(m)
                    .embed(m == EncoderModel.E5 ? "query: " + text : text)
                    .content()
                    .vector();

            assertThat(Encoders.of(m).embed(text, 40)).as(m.id()).containsExactly(expected, within(1e-5f));
        }
    }
}
