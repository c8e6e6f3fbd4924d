package dev.ponder.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes virtual keys and the only form in which they are stored: HMAC-SHA-256 under a server secret. A key has 256
 * random bits, so a fast keyed hash is safe (no dictionary to try), and lookups on the request path stay cheap;
 * without the secret, a stolen table of hashes cannot even be checked against guesses.
 */
final class KeyHasher {

    static final String PREFIX = "pk-";
    private static final SecureRandom random = new SecureRandom();

    private final SecretKeySpec secret;

    KeyHasher(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException(
                    "the key-hashing secret must have at least 16 bytes but had " + secret.length);
        }
        this.secret = new SecretKeySpec(secret.clone(), "HmacSHA256");
    }

    /** A new key: {@code pk-} and 43 characters of URL-safe Base64 (32 random bytes). */
    static String newKey() {
        return PREFIX + randomToken(32);
    }

    static String randomToken(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    String hash(String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
