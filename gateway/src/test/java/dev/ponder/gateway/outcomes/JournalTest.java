package dev.ponder.gateway.outcomes;

import static dev.ponder.gateway.outcomes.Outcomes.replay;
import static dev.ponder.gateway.outcomes.Outcomes.spill;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Journals sharing a directory: one writer a file, and a restart that finds what its predecessor spilled. */
class JournalTest {

    @TempDir
    Path dir;

    @Test
    void twoJournalsOnOneDirectoryWriteDifferentFilesAndNeitherReplaysTheOthersRecords() throws Exception {
        try (Journal first = new Journal(dir);
                Journal second = new Journal(dir)) {
            spill(first, "first-1", "first-2");
            spill(second, "second-1");

            assertThat(first.file()).isNotEqualTo(second.file());
            assertThat(replay(second)).containsExactly("second-1");
            assertThat(replay(first)).containsExactly("first-1", "first-2");
        }
    }

    @Test
    void aJournalOpenedAfterAnotherIsClosedTakesItsSlotAndReplaysItsRecords() throws Exception {
        Path file;
        try (Journal before = new Journal(dir)) {
            spill(before, "spilled-before-the-restart");
            file = before.file();
        }

        try (Journal after = new Journal(dir)) {
            assertThat(after.file()).isEqualTo(file);
            assertThat(replay(after)).containsExactly("spilled-before-the-restart");
        }
    }

    /** Before, every database a gateway ever ran against left its directory and slot behind for good. */
    @Test
    void aJournalClosedWithNothingLeftToReplayRemovesItsSlotAndItsEmptyDirectory() throws Exception {
        Path database = dir.resolve("0123456789ab");
        try (Journal journal = new Journal(database)) {
            spill(journal, "spilled-while-the-database-was-down");
            assertThat(replay(journal)).containsExactly("spilled-while-the-database-was-down");
        }

        assertThat(database).doesNotExist();
    }

    @Test
    void aDrainedJournalLeavesTheSlotsOfOthersAndWhatIsSetAside() throws Exception {
        Path database = dir.resolve("0123456789ab");
        Path aside;
        try (Journal other = new Journal(database)) {
            try (Journal drained = new Journal(database)) {
                spill(drained, "stored-later");
                replay(drained);
            }
            assertThat(database.resolve("slot-1")).doesNotExist();
            assertThat(database.resolve("slot-0/lock")).exists();
            spill(other, "refused");
            aside = other.setAside();
        }

        assertThat(aside).exists();
    }

    /** A journal closing removes its slot's lock file while one opening the slot may already have it open. */
    @Test
    void aLockWhoseFileWasRemovedOrReplacedIsNotTheSlots() throws Exception {
        Path lockFile = dir.resolve("lock");
        try (FileChannel kept = open(lockFile)) {
            assertThat(Journal.namesLocked(lockFile, kept)).isTrue();
        }
        try (FileChannel removed = open(lockFile)) {
            Files.delete(lockFile);
            assertThat(Journal.namesLocked(lockFile, removed)).isFalse();
            Files.createFile(lockFile);
            assertThat(Journal.namesLocked(lockFile, removed)).isFalse();
        }
    }

    private static FileChannel open(Path file) throws Exception {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    @Test
    void onlyTheGatewaysOwnUserMayReadWhatItSpilled() throws Exception {
        // An earlier Ponder's slot, made readable by all with the usual umask.
        Files.createDirectories(
                dir.resolve("slot-0"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (Journal journal = new Journal(dir)) {
            spill(journal, "a prompt");

            assertThat(Files.getPosixFilePermissions(journal.file().getParent()))
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aJournalThatAnEarlierPonderLeftDirectlyInTheDirectoryIsReplayed() throws Exception {
        Path legacy = dir.resolve("outcomes.journal");
        try (Journal earlier = new Journal(dir)) {
            spill(earlier, "spilled-by-an-earlier-version");
            Files.move(earlier.file(), legacy);
        }

        try (Journal journal = new Journal(dir)) {
            assertThat(replay(journal)).containsExactly("spilled-by-an-earlier-version");
        }
        assertThat(legacy).doesNotExist();
    }

    /** A record spilled before attempts had {@code decidedBy} (V30) replays with it unknown, not as a failure. */
    @Test
    void aRecordSpilledBeforeAttemptsHadDecidedByReplaysWithItNull() throws Exception {
        try (Journal journal = new Journal(dir)) {
            spill(journal, "spilled-before-v30");
            String line = Files.readString(journal.file());
            assertThat(line).contains(",\"decidedBy\":\"signals\"");
            Files.writeString(journal.file(), line.replace(",\"decidedBy\":\"signals\"", ""));

            List<OutcomeRecord> replayed = new ArrayList<>();
            journal.replay(10, replayed::addAll);

            assertThat(replayed).singleElement().satisfies(r -> {
                assertThat(r.request().requestId()).isEqualTo("spilled-before-v30");
                assertThat(r.attempts())
                        .extracting(OutcomeRecord.AttemptRow::decidedBy)
                        .containsOnlyNulls();
            });
        }
    }
}
