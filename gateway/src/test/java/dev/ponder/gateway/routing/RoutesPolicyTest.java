package dev.ponder.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.IdkCheck;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Signal;
import dev.ponder.cascade.StreamMode;
import dev.ponder.gateway.config.PonderProperties;
import dev.ponder.gateway.config.PonderProperties.Fallback;
import dev.ponder.gateway.config.PonderProperties.Policy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code ponder.policies.*} becomes the cascade's policies: signals, samples, stream mode, fallback. */
class RoutesPolicyTest {

    private static final Map<String, ModelBackend> BACKENDS =
            Map.of("small", backend("small"), "large", backend("large"), "spare", backend("spare"));

    @Test
    void signalsSamplesStreamModeAndFallbackReachTheCascadePolicy() {
        Policy config = new Policy(
                List.of("small", "large"),
                List.of(0.4),
                null,
                null,
                null,
                Map.of("scorer", 0.7, "agreement", 0.6),
                5,
                null,
                StreamMode.ROUTE_THEN_STREAM,
                new Fallback(null, "spare"));

        var policy = routes(config).resolve("ponder/p").orElseThrow();

        assertThat(policy.idk()).isEqualTo(new IdkCheck(Map.of(Signal.SCORER, 0.7, Signal.AGREEMENT, 0.6), 5, 1));
        assertThat(policy.streamMode()).isEqualTo(StreamMode.ROUTE_THEN_STREAM);
        assertThat(policy.fallback().backend()).isSameAs(BACKENDS.get("spare"));
    }

    @Test
    void withoutSignalsAbstentionAloneDecidesAndStreamsAreVerified() {
        var policy = routes(Policy.over(List.of("small", "large")))
                .resolve("ponder/p")
                .orElseThrow();

        assertThat(policy.idk()).isEqualTo(IdkCheck.ABSTENTION_ONLY);
        assertThat(policy.streamMode()).isEqualTo(StreamMode.VERIFY_THEN_STREAM);
        assertThat(policy.fallback()).isNull();
    }

    @Test
    void anUnknownSignalIsRejectedWithTheNamesThatExist() {
        Policy config = new Policy(
                List.of("small", "large"), null, null, null, null, Map.of("vibes", 0.5), null, null, null, null);

        assertThatThrownBy(() -> routes(config))
                .hasMessageContaining("ponder.policies.p.signals names 'vibes'")
                .hasMessageContaining("[abstention, logprobs, scorer, agreement, verification]");
    }

    @Test
    void aFallbackMustBeAnAnswerOrAKnownBackend() {
        Policy both = new Policy(
                List.of("small"), null, null, null, null, null, null, null, null, new Fallback("sorry", "spare"));
        Policy unknown = new Policy(
                List.of("small"), null, null, null, null, null, null, null, null, new Fallback(null, "gone"));

        assertThatThrownBy(() -> routes(both)).hasMessageContaining("exactly one of answer and backend");
        assertThatThrownBy(() -> routes(unknown)).hasMessageContaining("fallback backend 'gone'");
    }

    private static Routes routes(Policy policy) {
        return Routes.of(new PonderProperties(null, Map.of("p", policy), "p", null), BACKENDS);
    }

    private static ModelBackend backend(String name) {
        return new ModelBackend() {
            @Override
            public BackendInfo info() {
                return new BackendInfo(name, "test", name, null, null);
            }

            @Override
            public ChatAnswer chat(ChatRequest request) {
                throw new UnsupportedOperationException("routing tests make no calls");
            }
        };
    }
}
