package dev.ponder.gateway.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link StartupFailure}, wherever it is in the cause chain of a failed start, as its one-line message and
 * action: without this, Spring Boot prints the whole chain of bean-creation exceptions, with the reason at the bottom
 * of some 150 lines. Registered in {@code META-INF/spring.factories}.
 */
class StartupFailureAnalyzer extends AbstractFailureAnalyzer<StartupFailure> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, StartupFailure cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
