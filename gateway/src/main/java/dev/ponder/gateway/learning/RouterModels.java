package dev.ponder.gateway.learning;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.LogprobConfidence;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.router.RouterModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The router model gateways score with: the version marked active in {@code router_models}, or the bundled default
 * when none is; with it, the thresholds calibrated for it and the logprob signal's weights fitted with it. Requests read only the in-memory current model; a background poll notices a promotion or a rollback
 * within the reload interval and swaps it in. Loaded versions stay in a small Caffeine cache, so that rolling back
 * to a recent version is instant, and when PostgreSQL is down the gateway keeps scoring with what it has.
 */
public final class RouterModels {

    private static final Logger log = LoggerFactory.getLogger(RouterModels.class);
    static final String BUNDLED = "bundled";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Routes routes;
    private final RouterModel bundled;
    private final Cache<String, RouterModel> loaded =
            Caffeine.newBuilder().maximumSize(4).build();
    private volatile RouterModel current;
    private volatile LogprobConfidence logprobs = LogprobConfidence.PRIOR;
    private volatile String currentVersion = BUNDLED;
    private volatile boolean databaseReachable = true;
    private volatile boolean warm;

    /** {@code bundled}: what {@link #BUNDLED} serves, the jar's model unless {@code ponder.learning.model} names one. */
    RouterModels(JdbcTemplate jdbc, TransactionTemplate tx, Routes routes, RouterModel bundled) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.routes = routes;
        this.bundled = bundled;
        this.current = bundled;
    }

    /**
     * Loads the active version and scores one prompt with it, in the background once the gateway is up: a replica that
     * starts after a promotion must not take its first requests with the bundled model and the configured thresholds,
     * and the bundled model's sentence encoder loads on first use (0.7-1 s on a calm machine, 8.5 s once right after a
     * load benchmark), which the first client request would otherwise wait for. Readiness waits for both
     * ({@link #warm()}); only the web gateway warms up ({@link RouterWarmUpHealth}), not the retraining job.
     */
    void warmUp() {
        Thread.ofVirtual().name("ponder-router-warm-up").start(() -> {
            try {
                refresh();
                current.difficulty("Ponder warms up its router.");
            } finally {
                // A failed warm-up is not a reason to stay out of traffic: each request then reports its own failure.
                warm = true;
            }
        });
    }

    /** Whether the warm-up has run, so that readiness need not send the first requests to a cold router. */
    boolean warm() {
        return warm;
    }

    /** The model requests are scored with now. */
    public RouterModel current() {
        return current;
    }

    /**
     * The logprob signal's aggregation: the weights the retraining job fitted for the active version, or the prior
     * (the bundled model, or a version trained without enough labelled attempts). Read on every IDK check.
     */
    public LogprobConfidence logprobs() {
        return logprobs;
    }

    /** The active version's name in {@code router_models}, or {@code bundled}. */
    public String currentVersion() {
        return currentVersion;
    }

    /**
     * Loads the active version if it changed; on a database failure keeps the current model. Runs at startup too; one
     * at a time, as the schedule, the warm-up and an activation may all call it.
     */
    @Scheduled(initialDelay = 0, fixedDelayString = "${ponder.learning.reload-interval:PT2S}")
    synchronized void refresh() {
        List<String> active;
        try {
            active = jdbc.queryForList("SELECT version FROM router_models WHERE status = 'active'", String.class);
        } catch (RuntimeException e) {
            if (databaseReachable) {
                log.warn("Cannot check the active router model, keeping {}: {}", currentVersion, e.getMessage());
            }
            databaseReachable = false;
            return;
        }
        databaseReachable = true;
        String version = active.isEmpty() ? BUNDLED : active.getFirst();
        if (version.equals(currentVersion)) {
            return;
        }
        try {
            RouterModel model = version.equals(BUNDLED) ? bundled : load(version);
            LogprobConfidence weights = version.equals(BUNDLED) ? LogprobConfidence.PRIOR : storedLogprobs(version);
            Map<String, List<Double>> calibrated = version.equals(BUNDLED) ? Map.of() : storedThresholds(version);
            current = model;
            logprobs = weights;
            applyThresholds(version, calibrated);
            // Named last, so that whoever sees the new version also sees its thresholds (and a failed read retries).
            currentVersion = version;
            log.info(
                    "Router model switched to {} (sha256 {}; logprob weights {})",
                    version,
                    model.checksum(),
                    weights == LogprobConfidence.PRIOR ? "the prior" : Arrays.toString(weights.weights()));
        } catch (RuntimeException e) {
            log.error("Cannot load router model {}, keeping {}", version, currentVersion, e);
        }
    }

    /**
     * A version's thresholds were calibrated for its scores, so they travel with it: each policy takes the thresholds
     * the version stored for it, or its configured ones (the bundled model, or a policy the version did not
     * calibrate). An operator's edit in the console is re-applied over them by the console's own refresh.
     */
    private void applyThresholds(String version, Map<String, List<Double>> calibrated) {
        routes.configuredPolicies().forEach((name, configured) -> {
            CascadePolicy live = routes.policies().get(name);
            List<Double> thresholds = calibrated.getOrDefault(name, configured.thresholds());
            try {
                if (!thresholds.equals(live.thresholds())) {
                    routes.replace(live.withLimits(thresholds, live.budget()));
                    log.info("Policy '{}' thresholds {} from router model {}", name, thresholds, version);
                }
            } catch (IllegalArgumentException e) {
                log.warn(
                        "Router model {} has unusable thresholds for policy '{}', keeping {}: {}",
                        version,
                        name,
                        live.thresholds(),
                        e.getMessage());
            }
        });
    }

    private Map<String, List<Double>> storedThresholds(String version) {
        String json = jdbc.queryForObject(
                "SELECT thresholds::text FROM router_models WHERE version = ?", String.class, version);
        Map<String, List<Double>> thresholds = new LinkedHashMap<>();
        JSON.readTree(json).properties().forEach(e -> {
            List<Double> values = new java.util.ArrayList<>();
            e.getValue().forEach(v -> values.add(v.doubleValue()));
            thresholds.put(e.getKey(), values);
        });
        return thresholds;
    }

    private LogprobConfidence storedLogprobs(String version) {
        String json = jdbc.queryForObject(
                "SELECT logprob_weights::text FROM router_models WHERE version = ?", String.class, version);
        if (json == null) {
            return LogprobConfidence.PRIOR;
        }
        double[] weights = new double[LogprobConfidence.FEATURES.size() + 1];
        JsonNode stored = JSON.readTree(json);
        if (stored.size() != weights.length) {
            throw new IllegalArgumentException("router model " + version + " has logprob weights " + json
                    + " but the logprob model needs " + weights.length);
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] = stored.get(i).doubleValue();
        }
        return new LogprobConfidence(weights);
    }

    /** A stored version, from the cache or the database. */
    RouterModel load(String version) {
        return loaded.get(version, v -> {
            Map<String, Object> row =
                    jdbc.queryForMap("SELECT artifact, card::text AS card FROM router_models WHERE version = ?", v);
            return fromBytes((byte[]) row.get("artifact"), (String) row.get("card"));
        });
    }

    /** RouterModel loads from files: the artifact and its card go through a temporary directory. */
    static RouterModel fromBytes(byte[] artifact, String card) {
        try {
            Path dir = Files.createTempDirectory("ponder-router");
            try {
                Path bin = dir.resolve("model.bin");
                Files.write(bin, artifact);
                Files.writeString(RouterModel.cardPath(bin), card);
                return RouterModel.load(bin);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage a router model for loading", e);
        }
    }

    /**
     * Makes {@code version} the active one for every gateway (a promotion or a rollback), and switches this gateway
     * at once. {@code bundled} deactivates all stored versions. The version must exist: see {@link #version}.
     */
    void activate(String version) {
        if (!version.equals(BUNDLED)) {
            load(version); // fails before anything changes if the artifact does not load
        }
        tx.executeWithoutResult(status -> {
            jdbc.update("UPDATE router_models SET status = 'retired' WHERE status = 'active'");
            jdbc.update("UPDATE router_models SET status = 'active', activated_at = now() WHERE version = ?", version);
        });
        refresh();
    }

    /**
     * The stored versions, newest first, without their artifacts; of the curves only the version's own (the console
     * draws it in the list), not the active model's it was compared with.
     */
    List<Map<String, Object>> versions() {
        return jdbc.queryForList("""
                SELECT version, sha256, status, created_at, activated_at, training_run_id,
                       metrics::text AS metrics, thresholds::text AS thresholds,
                       jsonb_build_object('candidate', coalesce(curves -> 'candidate', '[]'))::text AS curves,
                       logprob_weights::text AS logprob_weights
                FROM router_models ORDER BY created_at DESC""");
    }

    /** A stored version with its card and curves, or {@code bundled}: the model in the jar, in the same shape. */
    Optional<Map<String, Object>> version(String version) {
        if (version.equals(BUNDLED)) {
            return Optional.of(bundled());
        }
        return jdbc.queryForList("""
                        SELECT version, sha256, status, created_at, activated_at, training_run_id,
                               card::text AS card, metrics::text AS metrics, curves::text AS curves,
                               thresholds::text AS thresholds, logprob_weights::text AS logprob_weights
                        FROM router_models WHERE version = ?""", version).stream().findFirst();
    }

    /**
     * The bundled model as a version: its card (with the card's own version name and held-out figures) and checksum;
     * no metrics or curves of the retraining job, no calibrated thresholds (the configured ones apply) and the prior's
     * logprob weights (null, as for a stored version that kept the prior). Active when no stored version is.
     */
    private Map<String, Object> bundled() {
        RouterModel model = bundled;
        boolean active = jdbc.queryForList("SELECT 1 FROM router_models WHERE status = 'active'")
                .isEmpty();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("version", BUNDLED);
        row.put("sha256", model.checksum());
        row.put("status", active ? "active" : "retired");
        row.put(
                "created_at",
                Timestamp.from(Instant.parse(
                        JSON.readTree(model.modelCard()).path("created").asString())));
        row.put("activated_at", null);
        row.put("training_run_id", null);
        row.put("card", model.modelCard());
        row.put("metrics", "{}");
        row.put("curves", "{}");
        row.put("thresholds", "{}");
        row.put("logprob_weights", null);
        return row;
    }
}
