package dev.ponder.gateway.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code ponder.api.*}: the largest request body the API accepts (a larger one gets 413), and how many {@code /v1}
 * requests may be in flight at once (one more gets 503 at once, rather than queueing until memory runs out).
 */
@ConfigurationProperties("ponder.api")
record ApiProperties(DataSize maxBodySize, Integer maxInFlight) {

    ApiProperties {
        maxInFlight = maxInFlight == null ? 2000 : maxInFlight;
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("ponder.api.max-in-flight must be >= 1 but was " + maxInFlight);
        }
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(4) : maxBodySize;
        if (maxBodySize.toBytes() < 1) {
            throw new IllegalArgumentException("ponder.api.max-body-size must be positive but was " + maxBodySize);
        }
    }
}
