package dev.ponder.router;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Remembers a {@link SentenceEncoder}'s embeddings by (encoder, SHA-256 of the text, window), in memory for one
 * training run and optionally in an append-only file, so that experiments over the same prompts embed each of them
 * once. Embedding is deterministic, so a cached vector is the vector the encoder would give. One file may hold several
 * encoders' vectors; each run reads back only its own.
 */
final class EmbeddingCache implements SentenceEncoder {
    /** {@code text} is "ENCODER:SHA-256": files written before the encoder was in the key hold a bare SHA-256. */
    private record Key(String text, int maxTokens) {}

    private final String prefix;
    private final SentenceEncoder encoder;
    private final Path file;
    private final Map<Key, float[]> vectors = new HashMap<>();

    private EmbeddingCache(EncoderModel model, SentenceEncoder encoder, Path file) {
        this.prefix = model.id() + ":";
        this.encoder = encoder;
        this.file = file;
    }

    static EmbeddingCache inMemory(EncoderModel model, SentenceEncoder encoder) {
        return new EmbeddingCache(model, encoder, null);
    }

    /**
     * Loads {@code file} if it exists; new embeddings are appended to it. Its records of other encoders, and those of
     * files written before the encoder was in the key (a bare SHA-256, whatever the encoder was), never match.
     */
    static EmbeddingCache onDisk(EncoderModel model, SentenceEncoder encoder, Path file) {
        EmbeddingCache cache = new EmbeddingCache(model, encoder, file);
        if (Files.isRegularFile(file)) {
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
                while (true) {
                    Key key = new Key(in.readUTF(), in.readInt());
                    float[] v = new float[in.readInt()];
                    for (int j = 0; j < v.length; j++) {
                        v[j] = in.readFloat();
                    }
                    if (key.text().startsWith(cache.prefix)) {
                        cache.vectors.put(key, v);
                    }
                }
            } catch (EOFException end) {
                // A run stopped mid-write leaves a partial last record: everything before it is kept.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read embedding cache " + file, e);
            }
        }
        return cache;
    }

    @Override
    public int dimension() {
        return encoder.dimension();
    }

    @Override
    public synchronized float[] embed(String text, int maxTokens) {
        Key key = new Key(prefix + Artifact.sha256(text.getBytes(StandardCharsets.UTF_8)), maxTokens);
        float[] v = vectors.get(key);
        if (v == null) {
            v = encoder.embed(text, maxTokens);
            vectors.put(key, v);
            if (file != null) {
                append(key, v);
            }
        }
        return v;
    }

    private void append(Key key, float[] v) {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(
                file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)))) {
            out.writeUTF(key.text());
            out.writeInt(key.maxTokens());
            out.writeInt(v.length);
            for (float x : v) {
                out.writeFloat(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to embedding cache " + file, e);
        }
    }
}
