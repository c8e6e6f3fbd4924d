package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ChatRequestParserTest {

    private final ChatRequestParser parser = new ChatRequestParser(JsonMapper.shared());

    @Test
    void anIntegerBeyond64BitsIsOutOfRangeNotOfTheWrongType() {
        String body = """
                {"model": "ponder", "messages": [{"role": "user", "content": "hi"}], "seed": 18446744073709551616}""";

        assertThatThrownBy(() -> parser.parse(parser.readObject(body.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e)
                        .hasMessage("Invalid 'seed': 18446744073709551616 is not between " + Long.MIN_VALUE + " and "
                                + Long.MAX_VALUE + ".")
                        .extracting(ApiException::param)
                        .isEqualTo("seed"));
    }

    /** As OpenAI takes an earlier answer back: a refusal part, or the refusal field of a message with no content. */
    @Test
    void anAssistantsRefusalInTheHistoryIsWhatItSaid() {
        String body = """
                {"model": "ponder", "messages": [
                  {"role": "user", "content": "one"},
                  {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help with that."}]},
                  {"role": "user", "content": "two"},
                  {"role": "assistant", "content": null, "refusal": "Nor with that."},
                  {"role": "user", "content": "three"}]}""";

        var messages = parser.parse(parser.readObject(body.getBytes(StandardCharsets.UTF_8)))
                .request()
                .messages();

        assertThat(messages.get(1).text()).isEqualTo("I can't help with that.");
        assertThat(messages.get(3).text()).isEqualTo("Nor with that.");
    }

    @Test
    void aRefusalPartIsAnAssistantsOnly() {
        String body = """
                {"model": "ponder", "messages": [{"role": "user", "content": [{"type": "refusal", "refusal": "no"}]}]}""";

        assertThatThrownBy(() -> parser.parse(parser.readObject(body.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.param()).isEqualTo("messages[0].content[0].type"));
    }
}
