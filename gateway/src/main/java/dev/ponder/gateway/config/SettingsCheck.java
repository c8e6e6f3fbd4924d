package dev.ponder.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreErrorsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
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
 * system properties are not checked for unknown names, as Spring's own {@code ignoreUnknownFields = false} does not
 * check them: Ponder's application.yml reads {@code PONDER_ADMIN_PASSWORD} and the like, which map onto names Ponder
 * has no property for.
 *
 * <p>It also refuses a duration without a unit ({@code total: 120}), from any source: Spring reads it as milliseconds,
 * so a timeout, deadline or sync interval meant in seconds was a thousand times shorter than meant.
 */
@Component
class SettingsCheck implements BeanFactoryPostProcessor, EnvironmentAware {

    private static final ConfigurationPropertyName PONDER = ConfigurationPropertyName.of("ponder");

    /** The durations read outside the properties classes ({@code @Value} and {@code @Scheduled} placeholders). */
    private static final List<ConfigurationPropertyName> DURATIONS_READ_ELSEWHERE =
            names("ponder.health.probe-interval", "ponder.learning.reload-interval", "ponder.console.policy-refresh");

    /** The other settings read outside the properties classes. */
    private static final List<ConfigurationPropertyName> OTHERS_READ_ELSEWHERE =
            names("ponder.embedded.data-dir", "ponder.embedded.attach-to-running");

    private static final Pattern BARE_NUMBER = Pattern.compile("0*[1-9][0-9]*");

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        Set<ConfigurationPropertyName> durations = new HashSet<>(DURATIONS_READ_ELSEWHERE);
        Set<ConfigurationPropertyName> looked = new HashSet<>(OTHERS_READ_ELSEWHERE);
        looked.addAll(durations);
        Binder binder = Binder.get(environment);
        AbstractBindHandler recording = new AbstractBindHandler(new IgnoreErrorsBindHandler()) {
            @Override
            public <T> Bindable<T> onStart(ConfigurationPropertyName name, Bindable<T> target, BindContext context) {
                looked.add(name);
                if (target.getType().resolve() == Duration.class) {
                    durations.add(name);
                }
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
        List<String> refused = unknown(looked);
        refused.addAll(withoutUnit(durations));
        if (!refused.isEmpty()) {
            throw StartupFailure.configuration(String.join("; ", refused), null);
        }
    }

    private static List<ConfigurationPropertyName> names(String... names) {
        return Arrays.stream(names).map(ConfigurationPropertyName::of).toList();
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
     * Each duration given as a bare number other than 0 (which means the same in every unit), with its value and where
     * it is set; only the value that binds counts, the one of the first source that has the name.
     */
    private List<String> withoutUnit(Set<ConfigurationPropertyName> durations) {
        Map<String, String> refused = new TreeMap<>();
        for (ConfigurationPropertyName name : durations) {
            for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
                ConfigurationProperty property = source.getConfigurationProperty(name);
                if (property == null) {
                    continue;
                }
                String value = String.valueOf(property.getValue()).strip();
                if (BARE_NUMBER.matcher(value).matches()) {
                    refused.put(
                            name.toString(),
                            name + ": '" + value + "' has no unit, which would mean " + value + " milliseconds;"
                                    + " write it as " + value + "s, " + value + "ms or " + value + "m (set at "
                                    + property.getOrigin() + ")");
                }
                break;
            }
        }
        return new ArrayList<>(refused.values());
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
