package dev.ponder.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Price;
import dev.ponder.gateway.TestTiers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a chat request reserves against a key's limits before it runs: enough for what each tier of its policy may
 * write, so that its answer cannot cost more than was reserved.
 */
class ReservationEstimateTest {

    private static final int DEFAULT_MAX_OUTPUT_TOKENS = 1024;
    // USD 1 per 1M input tokens, 10 per 1M output tokens
    private static final Price PRICE = new Price(1, 10);
    // an Anthropic backend sends 4096 when the client sets no cap; an OpenAI-compatible one sends none
    private static final CascadePolicy POLICY = new CascadePolicy(
            "p",
            List.of(
                    TestTiers.of(new BackendInfo("local", "openai", "m", null, PRICE)),
                    TestTiers.of(new BackendInfo("claude", "anthropic", "m", null, PRICE, 4096))),
            null,
            null);

    @Test
    void withoutACapEachTierReservesTheCapItsBackendSendsOrElseTheConfiguredDefault() {
        RequestPeek peek = peek("{\"model\": \"ponder/p\", \"messages\": []}");

        Usage usage = estimate(peek);

        long input = peek.inputTokens();
        assertThat(usage.tokens()).isEqualTo(input + 4096);
        assertThat(usage.costUsd())
                .isCloseTo(PRICE.cost(input, DEFAULT_MAX_OUTPUT_TOKENS) + PRICE.cost(input, 4096), within(1e-12));
    }

    @Test
    void theClientsCapBoundsEveryTier() {
        RequestPeek peek = peek("{\"model\": \"ponder/p\", \"messages\": [], \"max_tokens\": 100}");

        Usage usage = estimate(peek);

        long input = peek.inputTokens();
        assertThat(usage.tokens()).isEqualTo(input + 100);
        assertThat(usage.costUsd()).isCloseTo(2 * PRICE.cost(input, 100), within(1e-12));
    }

    private static RequestPeek peek(String body) {
        return RequestPeek.of(JsonMapper.shared(), body.getBytes(StandardCharsets.UTF_8));
    }

    private static Usage estimate(RequestPeek peek) {
        return VirtualKeyFilter.estimate(peek, false, Optional.of(POLICY), Optional.empty(), DEFAULT_MAX_OUTPUT_TOKENS);
    }
}
