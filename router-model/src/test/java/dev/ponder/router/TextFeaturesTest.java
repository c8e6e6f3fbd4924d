package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class TextFeaturesTest {
    private static final long[] NO_PREFIX = {};

    @Test
    void tokensAreLowerCasedWordsAndSingleSymbols() {
        assertThat(Text.tokens("Find x^2, NOW!")).containsExactly("find", "x", "^", "2", ",", "now", "!");
    }

    @Test
    void longInputsKeepTheirHeadAndTail() {
        List<Integer> items = IntStream.range(0, 10).boxed().toList();

        assertThat(Text.headAndTail(items, 2, 3)).containsExactly(0, 1, 7, 8, 9);
        assertThat(Text.headAndTail(items, 6, 6)).isEqualTo(items);
    }

    @Test
    void theEncoderWindowKeepsTheStartAndTheQuestionAtTheEndOfALongPrompt() {
        long[] pieces = LongStream.rangeClosed(1000, 1299).toArray();

        long[] window = OnnxEncoder.window(NO_PREFIX, pieces, 22);

        // [CLS], 30% of the 20 pieces from the start, 70% from the end, [SEP].
        assertThat(window)
                .containsExactly(
                        101, 1000, 1001, 1002, 1003, 1004, 1005, 1286, 1287, 1288, 1289, 1290, 1291, 1292, 1293, 1294,
                        1295, 1296, 1297, 1298, 1299, 102);
    }

    @Test
    void aModelsPrefixOpensTheWindowAndCountsAgainstIt() {
        long[] pieces = LongStream.rangeClosed(1000, 1299).toArray();

        long[] window = OnnxEncoder.window(new long[] {23032, 1024}, pieces, 22);

        // [CLS], "query", ":", 30% of the 18 pieces left from the start, 70% from the end, [SEP].
        assertThat(window)
                .containsExactly(
                        101, 23032, 1024, 1000, 1001, 1002, 1003, 1004, 1287, 1288, 1289, 1290, 1291, 1292, 1293, 1294,
                        1295, 1296, 1297, 1298, 1299, 102);
        assertThatThrownBy(() -> OnnxEncoder.window(new long[] {23032, 1024}, pieces, 4))
                .hasMessageContaining("5..");
    }

    @Test
    void aShortPromptIsEncodedWholeAndAWindowMustFitTheNetwork() {
        assertThat(OnnxEncoder.window(NO_PREFIX, new long[] {7, 8, 9}, 40)).containsExactly(101, 7, 8, 9, 102);
        assertThatThrownBy(() -> OnnxEncoder.window(NO_PREFIX, new long[] {7}, 129))
                .hasMessageContaining("129");
    }

    @Test
    void lexicalFeaturesSeeChoicesCodeAndMaths() {
        double[] mc = LexicalFeatures.of("Which is prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:");
        double[] code = LexicalFeatures.of("def f(x):\n    return {x: x ** 2};");
        double[] plain = LexicalFeatures.of("Tell me a story about a cat");

        assertThat(mc[LexicalFeatures.NAMES.indexOf("choice_lines")]).isEqualTo(4);
        assertThat(mc[LexicalFeatures.NAMES.indexOf("log_shots")]).isPositive();
        assertThat(code[LexicalFeatures.NAMES.indexOf("log_code_marks")])
                .isGreaterThan(plain[LexicalFeatures.NAMES.indexOf("log_code_marks")]);
        assertThat(code[LexicalFeatures.NAMES.indexOf("math_frac")]).isPositive();
        assertThat(plain).hasSize(LexicalFeatures.SIZE);
    }

    @Test
    void hashedNgramsFormAUnitBlockInsideTheirRange() {
        SparseVector.Builder b = new SparseVector.Builder();
        NgramHashing.add(b, Text.tokens("the cat sat on the mat"), true, 8, 0, 100);
        SparseVector v = b.build();

        assertThat(java.util.Arrays.stream(v.index()).allMatch(i -> i >= 100 && i < 100 + 256))
                .isTrue();
        double norm = 0;
        for (float x : v.value()) {
            norm += x * x;
        }
        // 6 unigrams + 5 bigrams, each 1/sqrt(11).
        assertThat(norm).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void featureSpecsParseAndRejectUnknownGroups() {
        assertThat(FeatureSpec.parse("lexical,ngrams:12")).isEqualTo(new FeatureSpec(true, 0, 12));
        assertThat(FeatureSpec.parse("encoder").toString()).isEqualTo("encoder:" + FeatureSpec.DEFAULT_ENCODER_TOKENS);
        assertThat(FeatureSpec.parse("lexical,encoder:96")).isEqualTo(new FeatureSpec(true, 96, 0));
        assertThat(FeatureSpec.parse("lexical,encoder:minilm:96")).isEqualTo(new FeatureSpec(true, 96, 0));
        assertThat(FeatureSpec.parse("lexical,encoder:bge:20"))
                .isEqualTo(new FeatureSpec(true, EncoderModel.BGE, 20, 0))
                .hasToString("lexical,encoder:bge:20");
        assertThat(FeatureSpec.parse("encoder:e5")).isEqualTo(new FeatureSpec(false, EncoderModel.E5, 40, 0));
        assertThat(FeatureSpec.parse("lexical")).isEqualTo(new FeatureSpec(true, EncoderModel.E5, 0, 0));
        assertThatThrownBy(() -> FeatureSpec.parse("encoder:gte:20")).hasMessageContaining("'gte'");
        assertThatThrownBy(() -> FeatureSpec.parse("encoder:40:20")).hasMessageContaining("encoder:40:20");
        assertThatThrownBy(() -> FeatureSpec.parse("encoder:bge:x")).hasMessageContaining("'x'");
        // e5's "query:" takes two of the window's pieces.
        assertThatThrownBy(() -> FeatureSpec.parse("encoder:e5:4")).hasMessageContaining("[5, 128] for e5, got 4");
        assertThat(FeatureSpec.parse("encoder:bge:3").encoderTokens()).isEqualTo(3);
        assertThatThrownBy(() -> FeatureSpec.parse("lexical,bert"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bert'");
        assertThatThrownBy(() -> FeatureSpec.parse("ngrams:40")).hasMessageContaining("40");
    }

    @Test
    void answerFeaturesNoticeRefusalsAndEchoes() {
        double[] refusal = AnswerFeaturizer.raw("What is 2+2?", "I'm sorry, I don't know.");
        double[] answer = AnswerFeaturizer.raw("What is 2+2?", "4");
        int refusals = LexicalFeatures.SIZE + AnswerFeaturizer.EXTRA_NAMES.indexOf("refusals");

        assertThat(refusal[refusals]).isPositive();
        assertThat(answer[refusals]).isZero();
        assertThat(answer).hasSize(AnswerFeaturizer.DENSE);
    }
}
