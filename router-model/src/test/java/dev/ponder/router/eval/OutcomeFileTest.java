package dev.ponder.router.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeFileTest {
    private static final String ROW =
            "{\"id\":\"a\",\"prompt\":\"Hi?\",\"outcomes\":{\"w\":{\"score\":1,\"cost_usd\":0.5},\"s\":{\"score\":0.25}}}";

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("rows.jsonl"), text, StandardCharsets.UTF_8);
    }

    @Test
    void aByteOrderMarkCrlfLinesBlankLinesAndTrailingSpaceAreRead() throws IOException {
        List<OutcomeRow> rows =
                OutcomeFile.read(file("\uFEFF" + ROW + "\r\n\r\n  \r\n" + ROW.replace("\"a\"", "\"b\"") + " \t\r\n"));

        assertThat(rows).extracting(OutcomeRow::id).containsExactly("a", "b");
        assertThat(rows.getFirst().outcome("w").costUsd()).isEqualTo(0.5);
        assertThat(rows.getFirst().score("s")).isEqualTo(0.25);
        assertThat(rows.getFirst().split()).isEqualTo("all");
    }

    @Test
    void outcomesKeepTheFilesOrderSoThatTrainingSeesThemInTheSameOrderInEveryProcess() throws IOException {
        List<String> models = List.of("m", "c", "x", "a", "q", "b", "z", "k", "e", "t", "g", "o");
        String outcomes = String.join(
                ",", models.stream().map(m -> "\"" + m + "\":{\"score\":1}").toList());

        OutcomeRow row = OutcomeFile.read(file("{\"id\":\"a\",\"prompt\":\"Hi?\",\"outcomes\":{" + outcomes + "}}"))
                .getFirst();

        assertThat(row.outcomes().keySet()).containsExactlyElementsOf(models);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "[1,2]| a row must be a JSON object, got array",
                "{\"id\":\"a\",\"prompt\":[{\"role\":\"system\",\"content\":\"x\"}],\"outcomes\":{}}| \"prompt\" must be a"
                        + " string, or a conversation",
                "{\"id\":\"a\",\"prompt\":[1,2],\"outcomes\":{}}| got [1,2]",
                "{\"id\":\"a\",\"prompt\":[{\"role\":\"user\"}],\"outcomes\":{}}| \"content\" must be text or an array"
                        + " of parts, got nothing",
                "{\"id\":\"a\",\"prompt\":\"Hi\"}| \"outcomes\" must be an object, got nothing",
                "{\"id\":\"a\",\"prompt\":\"Hi\",\"outcomes\":{\"w\":{\"score\":1,\"cost_usd\":\"0.1\"}}}| cost_usd that is"
                        + " not a number: \"0.1\"",
            })
    void aMalformedRowIsNamedByLineWithWhatIsWrong(String line, String message) throws IOException {
        Path rows = file(ROW + "\n" + line + "\n");

        assertThatThrownBy(() -> OutcomeFile.read(rows))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(rows + ":2: ")
                .hasMessageContaining(message.strip());
    }

    @Test
    void aConversationIsRoutedOnItsLastUserTurnAsTheGatewayRoutesAChatRequest() throws IOException {
        String turns = ROW.replace("\"Hi?\"", "[\"Write a poem.\",\"Now in French.\"]");
        String messages = ROW.replace(
                "\"Hi?\"",
                "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                        + "\"text\":\"Sum 2\"},{\"type\":\"text\",\"text\":\"and 3.\"}]},{\"role\":\"assistant\","
                        + "\"content\":\"5\"}]");

        List<OutcomeRow> rows = OutcomeFile.read(file(turns + "\n" + messages + "\n"));

        assertThat(rows).extracting(OutcomeRow::prompt).containsExactly("Now in French.", "Sum 2\nand 3.");
    }

    @Test
    void aNullCostIsAMissingCost() throws IOException {
        OutcomeRow row = OutcomeFile.read(file(ROW.replace("0.5", "null"))).getFirst();

        assertThat(row.outcome("w").costUsd()).isNull();
    }

    @Test
    void aCompressedFileIsReportedAsNotUtf8Text() throws IOException {
        Path gz = dir.resolve("rows.jsonl.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write((ROW + "\n").repeat(50).getBytes(StandardCharsets.UTF_8));
        }

        assertThatThrownBy(() -> OutcomeFile.read(gz))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(gz + ": not UTF-8 text near line 1");
    }
}
