package dev.ponder.gateway.security;

import dev.ponder.cascade.BackendInfo;
import dev.ponder.cascade.CascadePolicy;
import dev.ponder.cascade.Price;
import dev.ponder.cascade.Tier;
import dev.ponder.gateway.api.ApiException;
import dev.ponder.gateway.api.EmbeddingBackends;
import dev.ponder.gateway.api.JsonBodies;
import dev.ponder.gateway.api.RequestIds;
import dev.ponder.gateway.routing.Routes;
import dev.ponder.providers.embedding.EmbeddingBackend;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request path of {@code /v1/**}: authenticates the virtual key from memory, checks the model (a policy, a chat
 * backend, or on {@code /v1/embeddings} an embedding backend) against what the key may use, reserves the request's
 * estimated tokens and cost against the key's limits, and settles the reservation when the request ends. Also decides, in every mode, what the outcome log may keep of the content.
 * Rejections leave through the API's error handling, in OpenAI's format.
 */
final class VirtualKeyFilter extends OncePerRequestFilter {

    private final KeyCache keys;
    private final KeyHasher hasher;
    private final UsageMeter meter;
    private final Metering metering;
    private final Routes routes;
    private final EmbeddingBackends embeddings;
    private final SecurityProperties properties;
    private final JsonMapper json;
    private final HandlerExceptionResolver errors;
    private final Clock clock;
    private final boolean openMode;

    VirtualKeyFilter(
            KeyCache keys,
            KeyHasher hasher,
            UsageMeter meter,
            Metering metering,
            Routes routes,
            EmbeddingBackends embeddings,
            SecurityProperties properties,
            JsonMapper json,
            HandlerExceptionResolver errors,
            Clock clock,
            boolean openMode) {
        this.keys = keys;
        this.hasher = hasher;
        this.meter = meter;
        this.metering = metering;
        this.routes = routes;
        this.embeddings = embeddings;
        this.properties = properties;
        this.json = json;
        this.errors = errors;
        this.clock = clock;
        this.openMode = openMode;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String requestId = (String) request.getAttribute(RequestIds.ATTRIBUTE);
        HttpServletRequest forward = request;
        boolean reserved = false;
        try {
            VirtualKey key = openMode ? null : authenticate(request);
            RequestPeek peek = null;
            if ("POST".equals(request.getMethod())) {
                CachedBodyRequest cached = CachedBodyRequest.read(request);
                forward = cached;
                peek = RequestPeek.of(json, cached.body());
                if (peek.body() != null) {
                    request.setAttribute(JsonBodies.PARSED, peek.body());
                }
            }
            // On /v1/embeddings, model names an embedding backend, never a policy or chat backend. The path is
            // decoded as the controllers' mapping sees it: by the raw URI, /v1/%65mbeddings reached the embeddings
            // controller unchecked and uncharged.
            boolean embedding = EmbeddingBackends.PATH.equals(RequestIds.path(request));
            String model = peek == null ? null : peek.model();
            Optional<CascadePolicy> policy = model == null || embedding ? Optional.empty() : routes.resolve(model);
            Optional<EmbeddingBackend> embedder =
                    model == null || !embedding ? Optional.empty() : embeddings.resolve(model);
            ContentLogging content =
                    policy.map(p -> properties.rules(p.name()).contentLogging()).orElse(ContentLogging.FULL);
            if (key != null) {
                request.setAttribute(SecurityAttributes.KEY_ID, key.id());
                request.setAttribute(SecurityAttributes.MODEL_ACCESS, (Predicate<String>) id -> mayUse(key, id));
                content = content.stricter(key.contentLogging());
                if (policy.isPresent() && !allowed(key, model, policy.get())
                        || embedder.isPresent()
                                && !mayNameBackend(key, embedder.get().name())) {
                    throw ApiException.modelNotAllowed(model);
                }
                Usage estimate = estimate(peek, embedding, policy, embedder, properties.defaultMaxOutputTokens());
                metering.begin(requestId, admit(request, key, estimate, policy));
                reserved = true;
                embedder.ifPresent(backend ->
                        request.setAttribute(SecurityAttributes.EMBEDDING_TOKENS, charge(requestId, backend)));
            }
            request.setAttribute(ContentLogging.ATTRIBUTE, content);
        } catch (ApiException e) {
            errors.resolveException(request, response, null, e);
            return;
        }
        try {
            chain.doFilter(forward, response);
        } finally {
            if (reserved) {
                settleAtEnd(request, requestId);
            }
        }
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return true;
    }

    private VirtualKey authenticate(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null
                || !header.regionMatches(true, 0, "Bearer ", 0, 7)
                || header.substring(7).isBlank()) {
            throw unauthorized(
                    null,
                    "You didn't provide an API key. You need to provide your API key in an Authorization header"
                            + " using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        }
        VirtualKey key = keys.byHash(hasher.hash(header.substring(7).strip()))
                .orElseThrow(() -> unauthorized("invalid_api_key", "Incorrect API key provided."));
        if (key.revokedAt() != null) {
            throw unauthorized("invalid_api_key", "This API key has been revoked.");
        }
        if (!key.usableAt(clock.instant())) {
            throw unauthorized("invalid_api_key", "This API key has expired.");
        }
        return key;
    }

    /** Whether the key may name {@code model}, a chat or an embedding model, as {@code GET /v1/models} lists them. */
    private boolean mayUse(VirtualKey key, String model) {
        return routes.resolve(model).map(p -> allowed(key, model, p)).orElseGet(() -> embeddings
                .resolve(model)
                .map(b -> mayNameBackend(key, b.name()))
                .orElse(true));
    }

    /**
     * A policy route needs the policy allowed and, when the key lists backends, each of its tiers among them. A
     * backend named directly needs the backend allowed.
     */
    private static boolean allowed(VirtualKey key, String model, CascadePolicy policy) {
        if (model.equals(Routes.AUTO) || model.startsWith(Routes.AUTO + "/")) {
            return key.allowsPolicy(policy.name())
                    && policy.tiers().stream().allMatch(t -> key.allowsBackend(t.name()));
        }
        return mayNameBackend(key, model);
    }

    /**
     * A chat or embedding backend named directly: allowed when the key lists it or lists no backends, except that a
     * key limited to some policies but no listed backends may not bypass its policies that way.
     */
    private static boolean mayNameBackend(VirtualKey key, String backend) {
        return key.allowsBackend(backend)
                && (key.allowedPolicies().isEmpty() || !key.allowedBackends().isEmpty());
    }

    /**
     * The most the request can use. An embedding reads its input and writes nothing; a completion may read its
     * input and write its maximum at every tier of its policy, as if each were tried. A tier's maximum is the
     * request's cap or, without one, the cap the tier's backend sends itself ({@code default-max-tokens}: 4096 to
     * Anthropic), else {@code defaultMaxOutputTokens}: reserving only the latter let an answer cost more than was
     * reserved.
     */
    static Usage estimate(
            RequestPeek peek,
            boolean embedding,
            Optional<CascadePolicy> policy,
            Optional<EmbeddingBackend> embedder,
            int defaultMaxOutputTokens) {
        if (peek == null) {
            return new Usage(1, 0, 0);
        }
        long inputTokens = peek.inputTokens();
        if (embedding) {
            return new Usage(
                    1,
                    inputTokens,
                    embedder.map(b -> b.price().cost(inputTokens, 0)).orElse(0.0));
        }
        long capped = peek.maxOutputTokens() != null ? peek.maxOutputTokens() : defaultMaxOutputTokens;
        ToLongFunction<BackendInfo> output = info ->
                peek.maxOutputTokens() == null && info.defaultMaxTokens() != null ? info.defaultMaxTokens() : capped;
        List<BackendInfo> tiers = policy.map(
                        p -> p.tiers().stream().map(t -> t.backend().info()).toList())
                .orElse(List.of());
        long outputTokens = tiers.stream().mapToLong(output).max().orElse(capped);
        double cost = tiers.stream()
                .mapToDouble(info -> info.price().cost(inputTokens, output.applyAsLong(info)))
                .sum();
        return new Usage(1, inputTokens + outputTokens, cost);
    }

    /** Charges an embedding its input tokens at its backend's price: no outcome carries them. */
    private IntConsumer charge(String requestId, EmbeddingBackend backend) {
        return tokens -> metering.record(requestId, tokens, backend.price().cost(tokens, 0));
    }

    private Reservation admit(
            HttpServletRequest request, VirtualKey key, Usage estimate, Optional<CascadePolicy> policy) {
        Admission admission = meter.admit(key.id(), key.limits(), estimate);
        if (admission instanceof Admission.Rejected rejected
                && rejected.reason() == Admission.Reason.BUDGET_SPENT
                && policy.isPresent()
                && properties.rules(policy.get().name()).freeTiersWhenOverBudget()) {
            Optional<CascadePolicy> free = freeTiers(policy.get());
            if (free.isPresent()) {
                admission = meter.admit(key.id(), key.limits(), new Usage(1, estimate.tokens(), 0));
                request.setAttribute(SecurityAttributes.POLICY, free.get());
            }
        }
        return switch (admission) {
            case Admission.Admitted admitted -> admitted.reservation();
            case Admission.Rejected rejected -> throw rejection(key, rejected, estimate);
        };
    }

    private static Optional<CascadePolicy> freeTiers(CascadePolicy policy) {
        List<Tier> free = policy.tiers().stream()
                .filter(t -> Price.FREE.equals(t.backend().info().price()))
                .toList();
        return free.isEmpty() ? Optional.empty() : Optional.of(policy.withTiers(free, null));
    }

    private static ApiException rejection(VirtualKey key, Admission.Rejected rejected, Usage estimate) {
        return switch (rejected.reason()) {
            case REQUESTS_PER_MINUTE ->
                rateLimited(
                        "requests", key, "requests per min (RPM)", key.limits().rpm(), rejected);
            case TOKENS_PER_MINUTE ->
                estimate.tokens() > key.limits().tpm()
                        ? tooLarge(key, estimate)
                        : rateLimited(
                                "tokens",
                                key,
                                "tokens per min (TPM)",
                                key.limits().tpm(),
                                rejected);
            case REPLICA_SHARE ->
                new ApiException(
                        429,
                        "requests",
                        null,
                        "rate_limit_exceeded",
                        "This gateway replica's share of key " + key.id() + "'s limits is used until the next sync.",
                        rejected.retryAfter());
            case BUDGET_SPENT ->
                overWholeBudget(key.limits(), estimate.costUsd())
                        .map(budget -> overBudget(String.format(
                                        java.util.Locale.ROOT,
                                        "This request may cost up to $%.6f (its input and max_tokens priced at every"
                                                + " tier it may reach), more than key %s's whole %s of $%s. Lower"
                                                + " max_tokens or the input.",
                                        estimate.costUsd(),
                                        key.id(),
                                        budget.getKey(),
                                        budget.getValue()))
                                .notWorthRetrying())
                        // Requests in flight may settle for less than they reserved: this one may pass again.
                        .orElse(overBudget("You exceeded the budget of key " + key.id() + "."));
        };
    }

    private static ApiException overBudget(String message) {
        return new ApiException(429, "insufficient_quota", null, "insufficient_quota", message, null);
    }

    /**
     * A request larger than the TPM limit itself can never pass: saying so, without Retry-After and with
     * {@code x-should-retry: false}, keeps a client from retrying it every minute for ever, or at once.
     */
    private static ApiException tooLarge(VirtualKey key, Usage estimate) {
        return new ApiException(
                        429,
                        "tokens",
                        null,
                        "rate_limit_exceeded",
                        "Request too large for key " + key.id() + " on tokens per min (TPM): limit "
                                + key.limits().tpm()
                                + ", requested " + estimate.tokens() + " (the input estimated from the body's size,"
                                + " plus max_tokens or the default when it is absent). Lower max_tokens or the input.",
                        null)
                .notWorthRetrying();
    }

    /** The daily or monthly budget that even this one request's estimate exceeds, unspent: waiting cannot help. */
    private static Optional<Map.Entry<String, Double>> overWholeBudget(Limits limits, double cost) {
        if (limits.dailyUsd() != null && cost > limits.dailyUsd()) {
            return Optional.of(Map.entry("daily budget", limits.dailyUsd()));
        }
        if (limits.monthlyUsd() != null && cost > limits.monthlyUsd()) {
            return Optional.of(Map.entry("monthly budget", limits.monthlyUsd()));
        }
        return Optional.empty();
    }

    private static ApiException rateLimited(
            String type, VirtualKey key, String what, Integer limit, Admission.Rejected rejected) {
        return new ApiException(
                429,
                type,
                null,
                "rate_limit_exceeded",
                "Rate limit reached for key " + key.id() + " on " + what + ": limit " + limit + ".",
                rejected.retryAfter());
    }

    private static ApiException unauthorized(String code, String message) {
        return new ApiException(401, "invalid_request_error", null, code, message, null);
    }

    /** Settles now, or when an asynchronous (streamed) answer completes. */
    private void settleAtEnd(HttpServletRequest request, String requestId) {
        if (!request.isAsyncStarted()) {
            metering.end(requestId);
            return;
        }
        request.getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                metering.end(requestId);
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                metering.end(requestId);
            }

            @Override
            public void onError(AsyncEvent event) {
                metering.end(requestId);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // the same request goes on: it settles when that one ends
            }
        });
    }
}
