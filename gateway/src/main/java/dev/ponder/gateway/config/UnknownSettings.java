package dev.ponder.gateway.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreErrorsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Refuses a start whose configuration files or {@code --ponder.x=y} arguments set a {@code ponder.*} property that
 * Ponder does not read: Spring ignores such a property, so a typo ({@code ponder.backend.x}, {@code tierz}) silently
 * ran the demo backends or dropped a whole policy. It binds every {@code ponder} properties class once, errors aside
 * (the real binding reports those), and counts as known every name the binder looked for. Environment variables and
 * system properties are not checked, as Spring's own {@code ignoreUnknownFields = false} does not check them: Ponder's
 * application.yml reads {@code PONDER_ADMIN_PASSWORD} and the like, which map onto names Ponder has no property for.
 */
@Component
class UnknownSettings implements BeanFactoryPostProcessor, EnvironmentAware {

    private static final ConfigurationPropertyName PONDER = ConfigurationPropertyName.of("ponder");

    /** The settings read outside the properties classes ({@code @Value} and {@code @Scheduled} placeholders). */
    private static final List<ConfigurationPropertyName> READ_ELSEWHERE = List.of(
                    "ponder.embedded.data-dir",
                    "ponder.embedded.attach-to-running",
                    "ponder.health.probe-interval",
                    "ponder.learning.reload-interval",
                    "ponder.console.policy-refresh")
            .stream()
            .map(ConfigurationPropertyName::of)
            .toList();

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        Set<ConfigurationPropertyName> looked = new HashSet<>(READ_ELSEWHERE);
        Binder binder = Binder.get(environment);
        AbstractBindHandler recording = new AbstractBindHandler(new IgnoreErrorsBindHandler()) {
            @Override
            public <T> Bindable<T> onStart(ConfigurationPropertyName name, Bindable<T> target, BindContext context) {
                looked.add(name);
                return super.onStart(name, target, context);
            }
        };
        for (String bean : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(bean);
            Class<?> type = definition.getResolvableType().resolve();
            if (type == null) {
                continue;
            }
            var annotation = MergedAnnotations.from(type).get(ConfigurationProperties.class);
            if (annotation.isPresent() && isPonder(ConfigurationPropertyName.of(prefix(annotation)))) {
                binder.bind(prefix(annotation), Bindable.of(type), recording);
            }
        }
        List<String> unknown = unknown(looked);
        if (!unknown.isEmpty()) {
            throw StartupFailure.configuration(String.join("; ", unknown), null);
        }
    }

    private static boolean isPonder(ConfigurationPropertyName name) {
        return PONDER.equals(name) || PONDER.isAncestorOf(name);
    }

    private static String prefix(MergedAnnotation<ConfigurationProperties> annotation) {
        String prefix = annotation.getString("prefix");
        return prefix.isEmpty() ? annotation.getString("value") : prefix;
    }

    /** Each unknown name once (a list once, not each element), with where it is first set. */
    private List<String> unknown(Set<ConfigurationPropertyName> looked) {
        Map<String, String> unknown = new TreeMap<>();
        UnboundElementsSourceFilter checked = new UnboundElementsSourceFilter();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource names) || !checked.apply(source)) {
                continue;
            }
            for (ConfigurationPropertyName name : names) {
                ConfigurationPropertyName setting = withoutIndexes(name);
                if (isPonder(name) && !looked.contains(setting)) {
                    // The name and where it is set, not its value: it may be a secret under a mistyped name.
                    unknown.putIfAbsent(
                            setting.toString(),
                            setting + ": Ponder has no such setting (set at "
                                    + source.getConfigurationProperty(name).getOrigin() + ")");
                }
            }
        }
        return new ArrayList<>(unknown.values());
    }

    /**
     * A list element counts as looked for when its list was: a list set as a whole in a higher source (a
     * {@code --ponder.x=a,b} argument) leaves the elements that application.yml gives it unbound but not unknown.
     */
    private static ConfigurationPropertyName withoutIndexes(ConfigurationPropertyName name) {
        while (name.isLastElementIndexed()) {
            name = name.getParent();
        }
        return name;
    }
}
