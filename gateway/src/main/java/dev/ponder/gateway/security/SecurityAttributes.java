package dev.ponder.gateway.security;

/** Request attributes the request path sets for the code behind it. */
public final class SecurityAttributes {

    /**
     * The id of the virtual key that made the request ({@code key_...}); absent in open mode. The outcome log keeps it
     * as {@code requests.key_id}: a key may read and label only requests it made.
     */
    public static final String KEY_ID = "ponder.keyId";

    /**
     * A {@code dev.ponder.cascade.CascadePolicy} to run instead of the one the request's {@code model} names: the
     * free tiers of that policy, when the key's budget is spent and the policy allows it.
     */
    public static final String POLICY = "ponder.policy";

    /**
     * A {@code java.util.function.Predicate<String>}: whether the request's key may name a {@code model}, so that
     * {@code GET /v1/models} lists only those; absent in open mode.
     */
    public static final String MODEL_ACCESS = "ponder.modelAccess";

    /**
     * A {@code java.util.function.IntConsumer} that an embeddings request, which has no outcome to carry its usage,
     * gives its input tokens (as its backend reported them, or estimated when the backend did not say), so that the
     * key is charged for them; absent in open mode.
     */
    public static final String EMBEDDING_TOKENS = "ponder.embeddingTokens";

    private SecurityAttributes() {}
}
