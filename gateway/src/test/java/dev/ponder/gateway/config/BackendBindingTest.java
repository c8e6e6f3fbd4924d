package dev.ponder.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

class BackendBindingTest {

    @Test
    void aReplayDatasetOnTheClasspathInsideAJarBindsAsWritten() {
        // Inside ponder.jar every resource is in a jar; this one is in spring-boot's on the test classpath.
        String inJar = "classpath:org/springframework/boot/SpringApplication.class";
        try (var context = new SpringApplicationBuilder(PropertiesOnly.class)
                .web(WebApplicationType.NONE)
                .properties(
                        "ponder.backends.a.type=replay",
                        "ponder.backends.a.model=m",
                        "ponder.backends.a.dataset=" + inJar)
                .run()) {
            assertThat(context.getBean(PonderProperties.class)
                            .backends()
                            .get("a")
                            .dataset())
                    .isEqualTo(inJar);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(PonderProperties.class)
    static class PropertiesOnly {}
}
