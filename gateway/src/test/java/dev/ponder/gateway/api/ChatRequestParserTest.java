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
}
