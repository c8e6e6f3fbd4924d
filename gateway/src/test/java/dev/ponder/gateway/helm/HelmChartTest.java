package dev.ponder.gateway.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** The chart in helm/ponder, linted and rendered by a real helm (helm-java's native library). */
class HelmChartTest {

    static final Path CHART = Path.of("..", "helm", "ponder").toAbsolutePath().normalize();
    static final Path FULL_VALUES = CHART.resolve("ci/full-values.yaml");

    @Test
    void theChartLintsCleanInStrictMode() {
        LintResult lint = new Helm(CHART).lint().strict().call();

        assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    }

    /** helm-java's lint takes no values file, so a copy of the chart gets the full values merged into its defaults. */
    @Test
    void theChartLintsCleanInStrictModeOnFullValues(@TempDir Path copy) throws IOException {
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(CHART.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Map<String, Object> values = new Yaml().load(Files.readString(CHART.resolve("values.yaml")));
        merge(values, new Yaml().load(Files.readString(FULL_VALUES)));
        Files.writeString(copy.resolve("values.yaml"), new Yaml().dump(values));

        LintResult lint = new Helm(copy).lint().strict().call();

        assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    }

    /** Helm's rule: maps merge key by key, anything else is replaced. */
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((key, value) -> {
            if (value instanceof Map<?, ?> && into.get(key) instanceof Map<?, ?>) {
                merge(cast(into.get(key)), cast(value));
            } else {
                into.put(key, value);
            }
        });
    }

    @Test
    void defaultValuesRenderAGatewayOnExternalPostgresWithProbesOnTheManagementPort() {
        Rendered chart = render(UnaryOperator.identity());

        assertThat(chart.kinds())
                .contains(
                        "ConfigMap",
                        "Deployment",
                        "Service",
                        "HorizontalPodAutoscaler",
                        "PodDisruptionBudget",
                        "CronJob",
                        "ServiceAccount")
                .doesNotContain("Ingress", "ServiceMonitor");
        Map<String, Object> pod = chart.map("Deployment", "spec.template.spec");
        Map<String, Object> container = chart.container("Deployment");
        assertThat(chart.get(container, "livenessProbe.httpGet"))
                .isEqualTo(Map.of("path", "/actuator/health/liveness", "port", "management"));
        assertThat(chart.get(container, "readinessProbe.httpGet"))
                .isEqualTo(Map.of("path", "/actuator/health/readiness", "port", "management"));
        assertThat(chart.get(container, "startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
        assertThat(chart.get(container, "lifecycle.preStop.exec.command")).isEqualTo(List.of("sleep", "10"));
        assertThat(pod.get("terminationGracePeriodSeconds")).isEqualTo(75);
        assertThat(chart.get(container, "resources.requests")).isEqualTo(Map.of("cpu", "500m", "memory", "1Gi"));
        assertThat(chart.map("Deployment", "spec")).doesNotContainKey("replicas");

        Map<String, Object> env = chart.env("Deployment");
        assertThat(env.get("SPRING_CONFIG_ADDITIONAL_LOCATION")).isEqualTo("file:/etc/ponder/application.yml");
        assertThat(env.get("SPRING_DATASOURCE_USERNAME")).isEqualTo("ponder");
        assertThat(env.get("SPRING_DATASOURCE_PASSWORD")).isEqualTo(secretRef("ponder-database", "password"));

        Map<String, Object> config = chart.applicationYaml();
        assertThat(chart.get(config, "spring.datasource.url")).isEqualTo("jdbc:postgresql://postgresql:5432/ponder");
        assertThat(chart.get(config, "spring.lifecycle.timeout-per-shutdown-phase"))
                .isEqualTo("60s");
        assertThat(chart.get(config, "management.server.port")).isEqualTo(8081);
        assertThat(chart.get(config, "logging.structured.format.console")).isEqualTo("ecs");
        assertThat(chart.get(config, "management")).asInstanceOf(MAP).doesNotContainKey("opentelemetry");
        assertThat(chart.get(config, "ponder")).asInstanceOf(MAP).doesNotContainKey("backends");

        assertThat(chart.container("CronJob").get("args")).isEqualTo(List.of("retrain"));
        assertThat(chart.at("CronJob", "spec.jobTemplate.spec.podFailurePolicy.rules"))
                .as("nothing to train (2) or a busy lock (3) is not retried")
                .isEqualTo(List.of(Map.of(
                        "action",
                        "FailJob",
                        "onExitCodes",
                        Map.of("containerName", "retrain", "operator", "In", "values", List.of(2, 3)))));
        assertThat(chart.container("CronJob").get("image")).isEqualTo(container.get("image"));
        assertThat(chart.env("CronJob")).isEqualTo(env);
    }

    @Test
    void fullValuesReferenceEverySecretAndInlineNone() {
        Rendered chart = render(template -> template.withValuesFile(FULL_VALUES));

        assertThat(chart.kinds()).contains("Ingress", "ServiceMonitor").doesNotContain("HorizontalPodAutoscaler");
        assertThat(chart.at("Deployment", "spec.replicas")).isEqualTo(3);
        Map<String, Object> env = chart.env("Deployment");
        assertThat(env)
                .containsEntry("SPRING_DATASOURCE_USERNAME", secretRef("ponder-pg", "user"))
                .containsEntry("SPRING_DATASOURCE_PASSWORD", secretRef("ponder-pg", "pass"))
                .containsEntry("PONDER_BACKEND_LARGE_API_KEY", secretRef("provider-keys", "openai"))
                .containsEntry("PONDER_BACKEND_CLAUDE_BIG_API_KEY", secretRef("provider-keys", "anthropic"))
                .containsEntry("PONDER_KEY_SECRET", secretRef("ponder-security", "key-secret"))
                .containsEntry("PONDER_ADMIN_PASSWORD", secretRef("ponder-security", "admin-password"))
                .containsEntry("JAVA_TOOL_OPTIONS", "-XX:+UseZGC")
                .containsEntry("TZ", "UTC")
                .doesNotContainKey("PONDER_BACKEND_SMALL_API_KEY");
        assertThat(chart.kinds()).as("the chart never creates a Secret").doesNotContain("Secret");

        Map<String, Object> config = chart.applicationYaml();
        assertThat(chart.get(config, "ponder.backends.large"))
                .isEqualTo(Map.of(
                        "type", "openai",
                        "base-url", "https://api.openai.com/v1",
                        "model", "gpt-4o",
                        "price", Map.of("input", 2.5, "output", 10),
                        "api-key", "${PONDER_BACKEND_LARGE_API_KEY}"));
        assertThat(chart.get(config, "ponder.policies.careful.tiers"))
                .isEqualTo(List.of("small", "large", "claude-big"));
        assertThat(chart.get(config, "ponder.outcomes.log-content")).isEqualTo(false);
        assertThat(chart.get(config, "ponder.outcomes.journal.dir")).isEqualTo("/var/lib/ponder/journal");
        assertThat(chart.get(config, "ponder.learning.shadow.rate")).isEqualTo(0.02);
        assertThat(chart.get(config, "management.opentelemetry.tracing.export.otlp.endpoint"))
                .isEqualTo("http://otel-collector.monitoring:4318/v1/traces");
        assertThat(chart.get(config, "spring.lifecycle.timeout-per-shutdown-phase"))
                .isEqualTo("120s");
        assertThat(chart.at("Deployment", "spec.template.spec.terminationGracePeriodSeconds"))
                .isEqualTo(140);

        assertThat(chart.at("Ingress", "spec.rules"))
                .asInstanceOf(LIST)
                .singleElement()
                .satisfies(rule -> assertThat(chart.get(rule, "http.paths"))
                        .asInstanceOf(LIST)
                        .singleElement()
                        .satisfies(path -> assertThat(chart.get(path, "backend.service.port.name"))
                                .isEqualTo("http")));
        assertThat(chart.at("ServiceMonitor", "spec.endpoints"))
                .isEqualTo(List.of(Map.of("port", "management", "path", "/actuator/prometheus", "interval", "15s")));
        assertThat(chart.map("PodDisruptionBudget", "spec"))
                .containsEntry("maxUnavailable", 1)
                .doesNotContainKey("minAvailable");
        assertThat(chart.at("CronJob", "spec.schedule")).isEqualTo("0 4 * * 0");
        assertThat(chart.container("CronJob").get("args"))
                .isEqualTo(List.of("retrain", "--ponder.learning.retrain.epochs=20"));
        assertThat(chart.env("CronJob"))
                .containsEntry("PONDER_BACKEND_LARGE_API_KEY", secretRef("provider-keys", "openai"));
    }

    /** The pods write only to their volumes: /tmp is bounded too, so that a runaway write cannot fill the node. */
    @Test
    void theWritableTmpOfEveryPodHasASizeLimit() {
        Rendered defaults = render(UnaryOperator.identity());
        Rendered full = render(template -> template.withValuesFile(FULL_VALUES));

        assertThat(defaults.volume("Deployment", "tmp"))
                .isEqualTo(Map.of("name", "tmp", "emptyDir", Map.of("sizeLimit", "256Mi")));
        assertThat(defaults.volume("CronJob", "tmp"))
                .isEqualTo(Map.of("name", "tmp", "emptyDir", Map.of("sizeLimit", "1Gi")));
        assertThat(full.volume("Deployment", "tmp"))
                .isEqualTo(Map.of("name", "tmp", "emptyDir", Map.of("sizeLimit", "512Mi")));
        assertThat(full.volume("CronJob", "tmp"))
                .isEqualTo(Map.of("name", "tmp", "emptyDir", Map.of("sizeLimit", "2Gi")));
    }

    /** The documented *_FILE settings read secrets mounted as files: extraVolumes and extraVolumeMounts get them there. */
    @Test
    void extraVolumesAreMountedInTheGatewayAndTheRetrainingJob() {
        Rendered chart = render(template -> template.withValuesFile(FULL_VALUES));

        for (String kind : List.of("Deployment", "CronJob")) {
            assertThat(chart.volume(kind, "ponder-admin"))
                    .as(kind)
                    .isEqualTo(Map.of(
                            "name",
                            "ponder-admin",
                            "secret",
                            Map.of(
                                    "secretName",
                                    "ponder-security",
                                    "items",
                                    List.of(Map.of("key", "admin-token", "path", "admin-token")),
                                    "defaultMode",
                                    0440)));
            assertThat(chart.container(kind).get("volumeMounts"))
                    .as(kind)
                    .asInstanceOf(LIST)
                    .contains(Map.of("name", "ponder-admin", "mountPath", "/etc/ponder-admin", "readOnly", true))
                    .contains(Map.of("name", "tmp", "mountPath", "/tmp"));
            assertThat(chart.env(kind)).containsEntry("PONDER_ADMIN_TOKEN_FILE", "/etc/ponder-admin/admin-token");
        }
        assertThat(render(UnaryOperator.identity()).container("Deployment").get("volumeMounts"))
                .as("no extra volumes by default")
                .asInstanceOf(LIST)
                .hasSize(3);
    }

    @Test
    void aMountOfAVolumeThatIsNotInExtraVolumesIsRejected() {
        assertThatThrownBy(() -> render(t -> t.set("extraVolumeMounts[0].name", "missing")
                        .set("extraVolumeMounts[0].mountPath", "/etc/missing")))
                .hasMessageContaining(
                        "extraVolumeMounts mounts 'missing' at /etc/missing, which is not in extraVolumes");
    }

    @Test
    void theRetrainingJobNeverJoinsTheGatewaysService() {
        Rendered chart = render(UnaryOperator.identity());

        Map<String, Object> selector = chart.map("Service", "spec.selector");
        Map<String, Object> jobLabels = chart.map("CronJob", "spec.jobTemplate.spec.template.metadata.labels");
        assertThat(jobLabels.entrySet()).as("job pod labels %s", jobLabels).isNotEmpty();
        assertThat(jobLabels.entrySet().containsAll(selector.entrySet())).isFalse();
        assertThat(chart.map("Deployment", "spec.template.metadata.labels")).containsAllEntriesOf(selector);
    }

    /** minAvailable 1 over a single replica would make `kubectl drain` wait on the pod for ever. */
    @Test
    void aDisruptionBudgetThatWouldForbidEveryEvictionIsNotRendered() {
        assertThat(render(t -> t.set("autoscaling.enabled", "false").set("replicaCount", "1"))
                        .kinds())
                .doesNotContain("PodDisruptionBudget");
        assertThat(render(t -> t.set("autoscaling.minReplicas", "1")).kinds()).doesNotContain("PodDisruptionBudget");
        assertThat(render(t -> t.set("autoscaling.enabled", "false")
                                .set("replicaCount", "3")
                                .set("podDisruptionBudget.minAvailable", "3"))
                        .kinds())
                .doesNotContain("PodDisruptionBudget");

        assertThat(render(t -> t.set("autoscaling.enabled", "false").set("replicaCount", "2"))
                        .map("PodDisruptionBudget", "spec"))
                .containsEntry("minAvailable", 1);
        assertThat(render(t -> t.set("autoscaling.enabled", "false")
                                .set("replicaCount", "1")
                                .set("podDisruptionBudget.maxUnavailable", "1"))
                        .map("PodDisruptionBudget", "spec"))
                .containsEntry("maxUnavailable", 1);
    }

    @Test
    void theSchemaRejectsBadValues() {
        assertRejected("database.url", "mysql://db:3306/ponder");
        assertRejected("database.existingSecret", "");
        assertRejected("database.password", "hunter2");
        assertRejected("ponder.backends.large.type", "openai-ish");
        assertRejected("ponder.backends.large.api-key", "sk-inline-secret");
        assertRejected("ponder.policies.default.thresholds[0]", "1.5");
        assertRejected("replicaCount", "0");
        assertRejected("shutdown.drainSeconds", "0");
        assertRejected("management.port", "8080");
        assertRejected("retrain.schedule", "every night");
        assertRejected("observability.logFormat", "yaml");
        assertRejected("resources.requests.cpu", "lots");
        assertRejected("unknownTopLevel", "x");
        assertRejected("tmp.sizeLimit", "lots");
        assertRejected("retrain.tmpSizeLimit", "-1Gi");
        assertRejected("extraVolumes[0].name", "tmp");
        assertRejected("extraVolumeMounts[0].mountPath", "/tmp");
    }

    @Test
    void anAutoscalerWhoseMinimumExceedsItsMaximumIsRejected() {
        assertThatThrownBy(
                        () -> render(t -> t.set("autoscaling.minReplicas", "5").set("autoscaling.maxReplicas", "2")))
                .hasMessageContaining("autoscaling.minReplicas");
    }

    @Test
    void aPolicyTierThatIsNoBackendIsRejected() {
        assertThatThrownBy(() ->
                        render(t -> t.withValuesFile(FULL_VALUES).set("ponder.policies.default.tiers[1]", "huge")))
                .hasMessageContaining("huge");
    }

    private static void assertRejected(String key, String value) {
        assertThatThrownBy(() -> render(t -> t.set(key, value)))
                .as("%s=%s", key, value)
                .hasMessageContaining("values don't meet the specifications of the schema");
    }

    private static Map<String, Object> secretRef(String name, String key) {
        return Map.of("secretKeyRef", Map.of("name", name, "key", key));
    }

    private static final org.assertj.core.api.InstanceOfAssertFactory<
                    Map, org.assertj.core.api.MapAssert<Object, Object>>
            MAP = org.assertj.core.api.InstanceOfAssertFactories.MAP;
    private static final org.assertj.core.api.InstanceOfAssertFactory<List, org.assertj.core.api.ListAssert<Object>>
            LIST = org.assertj.core.api.InstanceOfAssertFactories.LIST;

    private static Rendered render(UnaryOperator<TemplateCommand> values) {
        String yaml = values.apply(new Helm(CHART).template().withName("ponder").withNamespace("llm"))
                .call();
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document != null) {
                objects.add(cast(document));
            }
        }
        return new Rendered(objects);
    }

    @SuppressWarnings("unchecked")
    static <T> T cast(Object o) {
        return (T) o;
    }

    /** The rendered objects, with a dotted-path lookup into them. */
    record Rendered(List<Map<String, Object>> objects) {

        List<String> kinds() {
            return objects.stream().map(o -> (String) o.get("kind")).toList();
        }

        Object at(String kind, String path) {
            Map<String, Object> object = objects.stream()
                    .filter(o -> kind.equals(o.get("kind")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " in " + kinds()));
            return get(object, path);
        }

        Object get(Object from, String path) {
            Object value = from;
            for (String key : path.split("\\.")) {
                assertThat(value).as("%s in %s", key, path).isInstanceOf(Map.class);
                value = ((Map<?, ?>) value).get(key);
            }
            return value;
        }

        Map<String, Object> map(String kind, String path) {
            return cast(at(kind, path));
        }

        Map<String, Object> container(String kind) {
            String pod = kind.equals("CronJob") ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
            List<Map<String, Object>> containers = cast(at(kind, pod + ".containers"));
            assertThat(containers).hasSize(1);
            return containers.getFirst();
        }

        /** The pod's volume of that name. */
        Map<String, Object> volume(String kind, String name) {
            String pod = kind.equals("CronJob") ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
            List<Map<String, Object>> volumes = cast(at(kind, pod + ".volumes"));
            return volumes.stream()
                    .filter(v -> name.equals(v.get("name")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + name + " in " + volumes));
        }

        /** A container's environment: name to value, or to its valueFrom. */
        Map<String, Object> env(String kind) {
            List<Map<String, Object>> env = cast(container(kind).get("env"));
            Map<String, Object> byName = new java.util.LinkedHashMap<>();
            env.forEach(e ->
                    byName.put((String) e.get("name"), e.containsKey("value") ? e.get("value") : e.get("valueFrom")));
            return byName;
        }

        Map<String, Object> applicationYaml() {
            String text = (String) map("ConfigMap", "data").get("application.yml");
            return new Yaml().load(text);
        }
    }
}
