package dev.ponder.gateway.api;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.RouteDecision;
import dev.ponder.cascade.Tier;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/route}: takes a chat completion request and says where Ponder would send it and why, without
 * calling any model. The same checks and routing controls apply as for a completion.
 */
@RestController
class RouteController {

    private final ChatRequestParser parser;
    private final CascadeCalls calls;

    RouteController(JsonMapper json, CascadeCalls calls) {
        this.parser = new ChatRequestParser(json);
        this.calls = calls;
    }

    @PostMapping("/v1/route")
    Map<String, Object> route(HttpServletRequest request) throws IOException {
        CascadeCalls.Prepared prepared = calls.prepare(parser.parse(JsonBodies.object(request, parser)), request);
        RouteDecision decision = calls.route(prepared);
        CascadePolicy policy = prepared.policy();
        List<Map<String, Object>> tiers = new ArrayList<>();
        for (int i = 0; i < policy.tiers().size(); i++) {
            Tier tier = policy.tiers().get(i);
            BackendInfo info = tier.backend().info();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", i);
            row.put("name", tier.name());
            row.put("backend", info.name());
            row.put("model", info.model());
            row.put(
                    "threshold",
                    i < policy.thresholds().size() ? policy.thresholds().get(i) : null);
            row.put("skipped", skipReason(i, decision, info, prepared));
            tiers.add(row);
        }
        Tier start = decision.tier();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "ponder.route");
        out.put("model", prepared.model());
        out.put("policy", decision.policy());
        out.put("score", decision.score());
        out.put("thresholds", decision.thresholds());
        out.put("tier", decision.startTier());
        out.put("tier_name", start.name());
        out.put("backend", start.backend().info().name());
        out.put("backend_model", start.backend().info().model());
        out.put("tiers", tiers);
        return out;
    }

    /** Why a tier would not be tried first, or null for the start tier and the tiers above it (escalation targets). */
    private static String skipReason(int tier, RouteDecision decision, BackendInfo info, CascadeCalls.Prepared p) {
        if (!info.capabilities().accepts(p.request())) {
            return p.request().hasImages() && !info.capabilities().images()
                    ? "does not accept images"
                    : "does not accept tools";
        }
        if (tier < decision.startTier()) {
            return "score " + decision.score() + " is above its threshold";
        }
        return null;
    }
}
