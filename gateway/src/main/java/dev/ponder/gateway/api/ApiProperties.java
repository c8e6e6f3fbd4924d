package dev.ponder.gateway.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** {@code ponder.api.*}: the largest request body the API accepts; a larger one gets 413. */
@ConfigurationProperties("ponder.api")
record ApiProperties(DataSize maxBodySize) {

    ApiProperties {
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(4) : maxBodySize;
        if (maxBodySize.toBytes() < 1) {
            throw new IllegalArgumentException("ponder.api.max-body-size must be positive but was " + maxBodySize);
        }
    }
}
