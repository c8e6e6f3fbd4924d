package dev.ponder.gateway.outcomes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local append-only journal the outcome writer spills to while PostgreSQL is unreachable: one JSON record a line,
 * forced to disk on every append. It is replayed in order on recovery and deleted once all of it is stored. Not
 * thread-safe: the writer thread alone uses it.
 *
 * <p>Each journal owns one {@code slot-N} of its directory for its lifetime, through an exclusive lock on
 * {@code slot-N/lock} that the OS releases when the process dies: two gateways on one directory never append to,
 * cut or replay the same file, and a restarted gateway takes the free slot its predecessor left, with its records.
 *
 * <p>A journal closed with nothing left to replay removes its slot, and the directory when that leaves it empty:
 * before, every database a gateway ever ran against (each test's, each embedded data dir) left its directory and
 * slot behind for good. It removes them only while it holds the slot's lock, and a journal taking a slot checks,
 * through a token it writes, that the lock it holds is still the file the path names, so that a slot removed under
 * a journal opening it is taken again rather than owned by two.
 */
final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String FILE_NAME = "outcomes.journal";

    private final FileLock lock;
    private final Path dir;
    private final Path file;
    private long replayed;

    Journal(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            Path slot;
            FileLock taken;
            int n = 0;
            do {
                slot = dir.resolve("slot-" + n++);
                taken = tryLock(slot);
            } while (taken == null);
            this.lock = taken;
            this.file = slot.resolve(FILE_NAME);
            if (n > 1) {
                log.info("Outcome journal slot-0 of {} is held by another Ponder: journalling to {}", dir, file);
            }
            try {
                adoptLegacyJournal(dir.resolve(FILE_NAME));
            } catch (IOException e) {
                taken.channel().close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open an outcome journal in " + dir, e);
        }
    }

    /** Locks {@code slot/lock} for good, or returns null when another journal, in any process, holds it. */
    private static FileLock tryLock(Path slot) throws IOException {
        Path lockFile = slot.resolve("lock");
        while (true) {
            FileChannel channel;
            try {
                Files.createDirectories(slot);
                ownerOnly(slot);
                channel = FileChannel.open(
                        lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (NoSuchFileException removed) {
                continue; // a journal closing removed the slot, or the directory, meanwhile
            }
            try {
                FileLock taken = channel.tryLock();
                if (taken != null && namesLocked(lockFile, channel)) {
                    return taken;
                }
                if (taken == null) {
                    channel.close();
                    return null;
                }
            } catch (OverlappingFileLockException e) {
                // Another journal of this JVM holds it: the slot is taken like one another process holds.
                channel.close();
                return null;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            // The file locked was removed by a journal closing before it released it: take the slot's new one.
            channel.close();
        }
    }

    /**
     * Whether {@code lockFile} still names the file {@code locked} has open: it carries the token just written
     * there. A journal removes its slot's lock file only while it holds the lock, so once this holds, it stays.
     */
    static boolean namesLocked(Path lockFile, FileChannel locked) throws IOException {
        byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
        locked.truncate(0).write(ByteBuffer.wrap(token), 0);
        try {
            return Arrays.equals(Files.readAllBytes(lockFile), token);
        } catch (NoSuchFileException removed) {
            return false;
        }
    }

    /**
     * The journal holds prompts and answers (as the outcome log keeps them) while the database is away: only the
     * gateway's own user may read them, as only it may read PostgreSQL's data directory. Before, a slot and its files
     * were readable by every local user. Where the file system has no POSIX permissions, nothing to do.
     */
    private static void ownerOnly(Path slot) throws IOException {
        if (slot.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(slot, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /**
     * Moves a journal that a Ponder before slots left directly in the directory into this slot, when the slot has
     * none of its own, so that its records are replayed rather than stranded. Another journal taking it first is fine.
     */
    private void adoptLegacyJournal(Path legacy) throws IOException {
        if (!Files.exists(legacy) || Files.exists(file) && Files.size(file) > 0) {
            return;
        }
        try {
            Files.move(legacy, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.info("Moved the outcome journal {} of an earlier Ponder to {}, to replay it", legacy, file);
        } catch (NoSuchFileException e) {
            // Another journal on this directory adopted it a moment before.
        }
    }

    Path file() {
        return file;
    }

    /** Bytes spilled and not yet replayed. */
    long size() {
        try {
            return Files.exists(file) ? Files.size(file) - replayed : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    boolean isEmpty() {
        return size() <= 0;
    }

    void append(List<OutcomeRecord> records) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (OutcomeRecord r : records) {
            lines.append(JSON.writeValueAsString(r)).append('\n');
        }
        try (FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.position(cutTornTail(channel));
            ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
        }
    }

    /**
     * Cuts a last line that has no line break: the part of an append that a full disk or a crash interrupted. Its
     * records were never acknowledged as spilled, and left in place it would fuse with the next append's first record
     * into a line that cannot be read, making the whole journal unreplayable. Returns the new end of the file.
     */
    private long cutTornTail(FileChannel channel) throws IOException {
        long end = channel.size();
        long whole = end;
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        scan:
        while (whole > 0) {
            long from = Math.max(0, whole - chunk.capacity());
            chunk.clear().limit((int) (whole - from));
            while (chunk.hasRemaining() && channel.read(chunk, from + chunk.position()) > 0) {
                // a positional read may return less than asked
            }
            for (int i = chunk.position() - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') {
                    whole = from + i + 1;
                    break scan;
                }
            }
            whole = from;
        }
        if (whole < end) {
            channel.truncate(whole);
            log.warn("Outcome journal {} ended in {} bytes of an interrupted append; cut them off", file, end - whole);
        }
        return whole;
    }

    /**
     * Hands the unreplayed records to {@code store} in order, {@code batchSize} at a time, and deletes the journal when
     * all are stored. When {@code store} throws, the batches before it stay replayed and the next call resumes there;
     * a record whose batch failed half-way is written again, which the idempotent store absorbs.
     */
    void replay(int batchSize, Consumer<List<OutcomeRecord>> store) throws IOException {
        if (isEmpty()) {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            cutTornTail(channel);
        }
        try (InputStream raw = Files.newInputStream(file)) {
            // `replayed` always ends at a line break, so the reader starts on a whole record.
            raw.skipNBytes(replayed);
            BufferedReader in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8));
            List<OutcomeRecord> batch = new ArrayList<>(batchSize);
            long batchBytes = 0;
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    batch.add(JSON.readValue(line, OutcomeRecord.class));
                }
                batchBytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
                if (batch.size() == batchSize) {
                    store.accept(batch);
                    replayed += batchBytes;
                    batch = new ArrayList<>(batchSize);
                    batchBytes = 0;
                }
            }
            if (!batch.isEmpty()) {
                store.accept(batch);
            }
        }
        Files.deleteIfExists(file);
        replayed = 0;
    }

    /** Moves the journal out of the way (its records are not replayed) and returns where it went. */
    Path setAside() throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".rejected-" + System.currentTimeMillis());
        Files.move(file, aside);
        replayed = 0;
        return aside;
    }

    /**
     * Releases the slot: the next journal opened on this directory may take it, and replay what is left in it. With
     * nothing left (no records to replay, no journal set aside), the slot is removed first, and the directory too
     * when no other slot or file is left in it.
     */
    @Override
    public void close() throws IOException {
        try {
            if (isEmpty()) {
                Files.deleteIfExists(file);
                Files.delete(file.resolveSibling("lock"));
                Files.delete(file.getParent());
                Files.delete(dir);
            }
        } catch (FileSystemException kept) {
            // A journal set aside, another slot, someone else's file, or a directory that cannot go (a mount point:
            // the chart's emptyDir): what is left stays.
        } finally {
            lock.channel().close();
        }
    }
}
