package dev.ponder.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ponder.cascade.Budget;
import dev.ponder.gateway.api.ApiException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** A policy edit is read field by field: what it cannot apply is refused with the field named, never ignored. */
class PolicyEditTest {

    @Test
    void readsTheViewsSnakeCaseNamesAndTheCamelCaseOnesTheConsoleSentBefore() {
        PolicyEdit snake = read("""
                {"thresholds": [0.2, 0.6], "max_escalations": 2, "max_cost_usd": 0.05, "deadline_ms": 60000,
                 "version": "abc"}""");
        PolicyEdit camel = read("""
                {"thresholds": [0.2, 0.6], "maxEscalations": 2, "maxCostUsd": 0.05, "deadlineMs": 60000,
                 "version": "abc"}""");

        assertThat(snake).isEqualTo(new PolicyEdit(java.util.List.of(0.2, 0.6), 2, 0.05, 60000L, "abc"));
        assertThat(camel).isEqualTo(snake);
        assertThat(read("{}")).isEqualTo(new PolicyEdit(null, null, null, null, null));
    }

    @Test
    void aBudgetSentAsNullIsLiftedAsTheViewShowsAnUnlimitedOne() {
        assertThat(read("{\"max_escalations\": null, \"maxCostUsd\": null, \"deadline_ms\": null}"))
                .isEqualTo(new PolicyEdit(
                        null, Budget.UNLIMITED.maxEscalations(), Budget.UNLIMITED.maxCostUsd(), null, null));
    }

    @Test
    void aFieldItDoesNotKnowIsRefusedRatherThanIgnored() {
        assertThat(refused("{\"max_cost\": 0.5}").param()).isEqualTo("max_cost");
    }

    @Test
    void aThresholdThatIsNoNumberIsRefusedNamingWhatWasSent() {
        ApiException nullThreshold = refused("{\"thresholds\": [0.3, null]}");
        ApiException text = refused("{\"thresholds\": [\"abc\"]}");

        assertThat(nullThreshold.param()).isEqualTo("thresholds");
        assertThat(text.param()).isEqualTo("thresholds");
        assertThat(text.getMessage()).contains("\"abc\"");
        assertThat(refused("{\"thresholds\": 0.3}").param()).isEqualTo("thresholds");
    }

    @Test
    void aBudgetThatWouldBeTruncatedInfiniteOrNegativeIsRefusedNamingIt() {
        assertThat(refused("{\"max_escalations\": 1.5}").param()).isEqualTo("max_escalations");
        assertThat(refused("{\"max_escalations\": -1}").param()).isEqualTo("max_escalations");
        assertThat(refused("{\"max_cost_usd\": 1e400}").param()).isEqualTo("max_cost_usd");
        assertThat(refused("{\"max_cost_usd\": \"0.5\"}").param()).isEqualTo("max_cost_usd");
        assertThat(refused("{\"deadline_ms\": 0}").param()).isEqualTo("deadline_ms");
        assertThat(refused("{\"deadline_ms\": 9223372036854775807}").param()).isEqualTo("deadline_ms");
        assertThat(read("{\"deadline_ms\": 9007199254740991}").deadlineMs()).isEqualTo(9007199254740991L);
        assertThat(refused("{\"version\": 3}").param()).isEqualTo("version");
        assertThat(refused("[]").param()).isNull();
    }

    private static PolicyEdit read(String json) {
        return PolicyEdit.from(JsonMapper.shared().readTree(json));
    }

    private static ApiException refused(String json) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> read(json));
        assertThat(e).as(json).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        return e;
    }
}
