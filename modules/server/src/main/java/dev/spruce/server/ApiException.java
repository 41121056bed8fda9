package dev.spruce.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server refuses, answered in OpenAI's error shape:
 * {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    /**
     * @param param the request field at fault, or null
     * @param code  a machine-readable reason, or null
     */
    public ApiException(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is malformed or asks for something impossible. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    /** 400 with a code, as OpenAI gives for a context overflow. */
    public static ApiException invalid(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", param, code, message);
    }

    public int status() {
        return status;
    }

    /** The JSON body. */
    public ObjectNode toJson() {
        return body(getMessage(), type, param, code);
    }

    /** An OpenAI error body. */
    public static ObjectNode body(String message, String type, String param, String code) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode error = f.objectNode();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        ObjectNode root = f.objectNode();
        root.set("error", error);
        return root;
    }
}
