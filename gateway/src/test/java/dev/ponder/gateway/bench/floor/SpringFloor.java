package dev.ponder.gateway.bench.floor;

import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The floor of the mandated stack, for the CPU probe only (docs/benchmarks.md, "Twelfth session"): Spring Boot with
 * Spring MVC on Tomcat, virtual threads and the actuator, and one endpoint that reads the chat request with Jackson 3,
 * makes one upstream call ({@code floor.upstream}: {@code langchain4j} or {@code jdk}) to the backend the probe
 * configures as {@code ponder.backends.small}, and writes a {@code chat.completion}. No router, no cascade, no
 * outcome log, no security, no tracing: what any gateway on this stack costs before it does anything of its own.
 * The gateway's dependencies are on the test class path, so their auto-configurations are excluded here.
 */
@SpringBootApplication(
        exclude = {
            DataSourceAutoConfiguration.class,
            FlywayAutoConfiguration.class,
            SecurityAutoConfiguration.class,
            UserDetailsServiceAutoConfiguration.class,
            ServletWebSecurityAutoConfiguration.class,
            SecurityFilterAutoConfiguration.class,
            ManagementWebSecurityAutoConfiguration.class
        })
@RestController
// The gateway's own component scan covers this package on the test class path: without its property this class, its
// scan and its endpoint stay out of every Ponder context the tests start.
@ConditionalOnProperty("floor.upstream")
public class SpringFloor {

    private final Upstream upstream;

    SpringFloor(Upstream upstream) {
        this.upstream = upstream;
    }

    public static void main(String[] args) {
        // Not the gateway's application.yml, which is on the same class path.
        System.setProperty("spring.config.name", "floor");
        SpringApplication app = new SpringApplication(SpringFloor.class);
        app.setDefaultProperties(Map.of(
                "floor.upstream", "langchain4j",
                "spring.threads.virtual.enabled", "true",
                "spring.main.banner-mode", "off",
                // the gateway's two per-request savings (docs/benchmarks.md, point 8), so as not to charge them here
                "spring.mvc.publish-request-handled-events", "false",
                "spring.mvc.formcontent.filter.enabled", "false",
                "management.endpoints.web.exposure.include", "health,metrics",
                "management.endpoint.health.probes.enabled", "true",
                "management.tracing.enabled", "false"));
        app.run(args);
    }

    @Bean
    static Upstream upstream(
            @Value("${floor.upstream}") String kind,
            @Value("${ponder.backends.small.base-url}") String baseUrl,
            @Value("${ponder.backends.small.api-key}") String apiKey,
            @Value("${ponder.backends.small.model}") String model) {
        return switch (kind) {
            case "langchain4j" -> Upstream.LangChain4j.of(baseUrl, apiKey, model);
            case "jdk" -> Upstream.Jdk.of(baseUrl, apiKey, model);
            default -> throw new IllegalArgumentException("floor.upstream is langchain4j or jdk, not " + kind);
        };
    }

    @PostMapping("/v1/chat/completions")
    ResponseEntity<byte[]> complete(@RequestBody byte[] body) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(Completions.complete(body, upstream));
    }
}
