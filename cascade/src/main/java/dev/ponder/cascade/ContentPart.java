package dev.ponder.cascade;

import java.util.Objects;

/** One part of a message's content. */
public sealed interface ContentPart {

    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** An image by URL (http(s) or a data: URL); {@code detail} is OpenAI's low/high/auto hint, may be null. */
    record Image(String url, String detail) implements ContentPart {
        public Image {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("image url must not be blank");
            }
        }
    }
}
