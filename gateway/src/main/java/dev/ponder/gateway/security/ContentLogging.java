package dev.ponder.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether the outcome log keeps a request's prompt and answer: whole, redacted, or not at all. The strictest of the
 * global setting, the policy's and the key's wins; the request path puts the result in the request attribute
 * {@link #ATTRIBUTE}, which the code writing the outcome consults through {@link #of}.
 */
public enum ContentLogging {
    FULL,
    /** Keeps the text but masks what looks like a secret or personal data: e-mails, long digit runs, tokens. */
    REDACTED,
    OFF;

    public static final String ATTRIBUTE = "ponder.contentLogging";

    private static final Pattern SENSITIVE = Pattern.compile(
            "[\\w.+-]+@[\\w-]+\\.[\\w.-]+" // e-mail addresses
                    + "|\\b(?:\\d[ -]?){9,}\\d\\b" // card, account and phone numbers
                    + "|\\b(?:sk|pk|rk|key|ghp|xox[bp])[-_][A-Za-z0-9_-]{8,}" // API keys
                    + "|[A-Za-z0-9+/_-]{32,}"); // anything else long and random-looking

    /** The setting for this request: the attribute's when the request path set one, else the global one. */
    public static ContentLogging of(HttpServletRequest request, boolean globallyOn) {
        ContentLogging global = globallyOn ? FULL : OFF;
        return request.getAttribute(ATTRIBUTE) instanceof ContentLogging set ? set.stricter(global) : global;
    }

    /** What the log may keep of this text: all of it, a redacted copy, or null. */
    public String keep(String text) {
        if (text == null) {
            return null;
        }
        return switch (this) {
            case FULL -> text;
            case REDACTED -> SENSITIVE.matcher(text).replaceAll("[redacted]");
            case OFF -> null;
        };
    }

    ContentLogging stricter(ContentLogging other) {
        return other == null || ordinal() >= other.ordinal() ? this : other;
    }

    /** Reads {@code full}, {@code redacted} or {@code off}. */
    static ContentLogging parse(String name, String what) {
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be full, redacted or off but was '" + name + "'");
        }
    }

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
