package dev.ponder.cascade;

/** OpenAI's response_format: free text, any JSON object, or JSON matching a named schema. */
public record ResponseFormat(Type type, String schemaName, String schemaJson, Boolean strict) {

    public enum Type {
        TEXT,
        JSON_OBJECT,
        JSON_SCHEMA
    }

    public ResponseFormat {
        if (type == Type.JSON_SCHEMA && (schemaJson == null || schemaJson.isBlank())) {
            throw new IllegalArgumentException("response_format json_schema needs a schema");
        }
    }
}
