package dev.langchain4j.model.openai.internal;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Ponder's settings for the Jackson 2 mapper with which LangChain4j's OpenAI client writes every upstream request
 * and reads every answer and stream chunk ({@link Json}: package-private, hence this class in LangChain4j's package,
 * which fails to compile, rather than to run, if a LangChain4j upgrade renames it).
 *
 * <ul>
 *   <li>Requests are sent compact: LangChain4j pretty-prints them ({@code INDENT_OUTPUT}), which only the upstream's
 *       parser reads.
 *   <li>Jackson's read and write buffers (some 12 KiB per call) come from a bounded pool shared by all threads:
 *       Jackson's default pool is one per thread, and every request runs on a virtual thread of its own, so each call
 *       allocated them anew.
 * </ul>
 */
public final class OpenAiJsonSettings {

    private OpenAiJsonSettings() {}

    /** Idempotent; run once before the first call (a mapper's settings are not for changing while it is in use). */
    public static void apply() {
        Json.OBJECT_MAPPER.disable(SerializationFeature.INDENT_OUTPUT);
        Json.OBJECT_MAPPER.getFactory().setRecyclerPool(JsonRecyclerPools.sharedBoundedPool());
    }
}
