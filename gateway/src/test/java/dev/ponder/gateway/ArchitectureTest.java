package dev.ponder.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency direction the Maven enforcer cannot see: the gateway reaches models only through providers, and
 * the pure modules on its classpath stay free of Spring and of LangChain4j.
 */
@AnalyzeClasses(packages = "dev.ponder", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule gatewayReachesModelsOnlyThroughProviders = noClasses()
            .that()
            .resideInAPackage("dev.ponder.gateway..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.langchain4j..");

    @ArchTest
    static final ArchRule onlyTheGatewayUsesSpring = noClasses()
            .that()
            .resideInAnyPackage("dev.ponder.cascade..", "dev.ponder.router..", "dev.ponder.providers..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.springframework..");

    @ArchTest
    static final ArchRule theCoreKnowsNoChatModelLibrary = noClasses()
            .that()
            .resideInAnyPackage("dev.ponder.cascade..", "dev.ponder.router..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "dev.langchain4j.model.chat..",
                    "dev.langchain4j.model.openai..",
                    "dev.langchain4j.model.ollama..",
                    "dev.langchain4j.model.anthropic..");
}
