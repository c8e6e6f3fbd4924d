package dev.ponder.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheTest {
    @TempDir
    Path dir;

    /** A fake encoder that counts its calls: the embedding is (length of the text, window). */
    private static final class CountingEncoder implements SentenceEncoder {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public float[] embed(String text, int maxTokens) {
            calls.incrementAndGet();
            return new float[] {text.length(), maxTokens};
        }
    }

    @Test
    void aTextIsEmbeddedOncePerWindowAndTheFileServesTheNextRun() {
        Path file = dir.resolve("minilm.cache");
        CountingEncoder first = new CountingEncoder();
        EmbeddingCache cache = EmbeddingCache.onDisk(EncoderModel.MINILM, first, file);

        assertThat(cache.embed("hello", 40)).containsExactly(5, 40);
        assertThat(cache.embed("hello", 40)).containsExactly(5, 40);
        assertThat(cache.embed("hello", 128)).containsExactly(5, 128);
        assertThat(first.calls).hasValue(2);

        CountingEncoder second = new CountingEncoder();
        EmbeddingCache reloaded = EmbeddingCache.onDisk(EncoderModel.MINILM, second, file);

        assertThat(reloaded.embed("hello", 128)).containsExactly(5, 128);
        assertThat(reloaded.embed("hello", 40)).containsExactly(5, 40);
        assertThat(second.calls).hasValue(0);
    }

    @Test
    void anotherEncoderDoesNotReadTheVectorsOfTheFirst() {
        Path file = dir.resolve("shared.cache");
        EmbeddingCache.onDisk(EncoderModel.MINILM, new CountingEncoder(), file).embed("hello", 40);
        CountingEncoder bge = new CountingEncoder();

        EmbeddingCache.onDisk(EncoderModel.BGE, bge, file).embed("hello", 40);
        CountingEncoder miniLm = new CountingEncoder();
        EmbeddingCache.onDisk(EncoderModel.MINILM, miniLm, file).embed("hello", 40);

        assertThat(bge.calls).hasValue(1);
        assertThat(miniLm.calls).hasValue(0);
    }
}
