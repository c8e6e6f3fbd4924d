package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.ChatAnswer;
import dev.ponder.cascade.ChatMessage;
import dev.ponder.cascade.ChatRequest;
import dev.ponder.cascade.ModelBackend;
import dev.ponder.cascade.Role;
import dev.ponder.cascade.Tier;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingControlsTest {

    private static final CascadePolicy POLICY = new CascadePolicy(
            "default", List.of(tier("small"), tier("medium"), tier("large")), List.of(0.25, 0.75), null);

    private static Tier tier(String name) {
        return new Tier(name, new ModelBackend() {
            @Override
            public BackendInfo info() {
                return new BackendInfo(name, "replay", name + "-model", null, null);
            }

            @Override
            public ChatAnswer chat(ChatRequest request) {
                throw new AssertionError("routing controls never call a backend");
            }
        });
    }

    private static RoutingControls controls(Map<String, String> headers, Map<String, String> metadata) {
        return RoutingControls.from(headers::get, metadata);
    }

    @Test
    void withoutControlsThePolicyIsUnchanged() {
        assertThat(controls(Map.of(), Map.of()).apply(POLICY)).isSameAs(POLICY);
    }

    @Test
    void aMaxTierByNameOrIndexCutsTheTiersAboveIt() {
        CascadePolicy byName =
                controls(Map.of("x-ponder-max-tier", "medium"), Map.of()).apply(POLICY);
        CascadePolicy byIndex =
                controls(Map.of(), Map.of("ponder_max_tier", "0")).apply(POLICY);

        assertThat(byName.tiers()).extracting(Tier::name).containsExactly("small", "medium");
        assertThat(byName.thresholds()).containsExactly(0.25);
        assertThat(byName.name()).isEqualTo("default");
        assertThat(byIndex.tiers()).extracting(Tier::name).containsExactly("small");
        assertThat(byIndex.thresholds()).isEmpty();
    }

    @Test
    void aQualityTargetLowersEveryThresholdSoRequestsStartHigher() {
        CascadePolicy shifted =
                controls(Map.of("x-ponder-quality-target", "0.5"), Map.of()).apply(POLICY);

        assertThat(shifted.thresholds()).containsExactly(0.0, 0.25);
        assertThat(shifted.startTier(0.1)).isEqualTo(1);
        assertThat(POLICY.startTier(0.1)).isZero();
    }

    @Test
    void theHeaderWinsOverTheMetadataKey() {
        CascadePolicy policy = controls(Map.of("x-ponder-max-tier", "large"), Map.of("ponder_max_tier", "small"))
                .apply(POLICY);

        assertThat(policy.tiers()).hasSize(3);
    }

    @Test
    void badValuesAre400sNamingWhereTheyCameFrom() {
        assertThatThrownBy(() ->
                        controls(Map.of("x-ponder-max-tier", "huge"), Map.of()).apply(POLICY))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("x-ponder-max-tier");
                    assertThat(e.getMessage()).contains("huge", "small", "medium", "large");
                });
        assertThatThrownBy(
                        () -> controls(Map.of(), Map.of("ponder_max_tier", "3")).apply(POLICY))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.param()).isEqualTo("metadata.ponder_max_tier"));
        assertThatThrownBy(() -> controls(Map.of(), Map.of("ponder_quality_target", "1.5"))
                        .apply(POLICY))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.param()).isEqualTo("metadata.ponder_quality_target"));
    }

    @Test
    void ponderMetadataKeysAreNotSentUpstream() {
        ChatRequest request = new ChatRequest(
                List.of(ChatMessage.of(Role.USER, "hi")),
                null,
                null,
                null,
                null,
                null,
                null,
                Map.of("ponder_max_tier", "0", "team", "search"),
                null,
                null);

        assertThat(RoutingControls.withoutPonderMetadata(request).metadata()).containsOnlyKeys("team");
    }
}
