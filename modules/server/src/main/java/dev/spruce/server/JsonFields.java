package dev.spruce.server;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Typed, validated reads of a request body's fields: a field of the wrong type or out of range is a
 * 400 naming the field. An absent field and a JSON {@code null} both mean "not given"; fields the
 * server does not know are ignored, as OpenAI clients send many optional ones.
 */
final class JsonFields {

    private final ObjectNode body;

    JsonFields(ObjectNode body) {
        this.body = body;
    }

    boolean has(String name) {
        JsonNode n = body.get(name);
        return n != null && !n.isNull();
    }

    JsonNode node(String name) {
        return has(name) ? body.get(name) : null;
    }

    String string(String name) {
        JsonNode n = node(name);
        if (n != null && !n.isTextual()) {
            throw ApiException.invalid(name, "'" + name + "' must be a string");
        }
        return n == null ? null : n.textValue();
    }

    boolean bool(String name, boolean otherwise) {
        JsonNode n = node(name);
        if (n != null && !n.isBoolean()) {
            throw ApiException.invalid(name, "'" + name + "' must be true or false");
        }
        return n == null ? otherwise : n.booleanValue();
    }

    /** An integer in {@code [min, max]}, or {@code otherwise} when absent. */
    long integer(String name, long min, long max, long otherwise) {
        JsonNode n = node(name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            throw ApiException.invalid(name, "'" + name + "' must be an integer from " + min + " to " + max
                    + ", got " + n);
        }
        return n.longValue();
    }

    /** A number in {@code [min, max]}, or {@code otherwise} when absent. */
    double number(String name, double min, double max, double otherwise) {
        JsonNode n = node(name);
        if (n == null) {
            return otherwise;
        }
        if (!n.isNumber() || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
            throw ApiException.invalid(name, "'" + name + "' must be a number from " + min + " to " + max + ", got " + n);
        }
        return n.doubleValue();
    }

    /** A string or an array of at most {@code most} non-empty strings; empty when absent. */
    List<String> strings(String name, int most) {
        JsonNode n = node(name);
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (n.isTextual()) {
            out.add(n.textValue());
        } else if (n.isArray() && n.size() <= most) {
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw ApiException.invalid(name, "'" + name + "' must hold strings only");
                }
                out.add(e.textValue());
            }
        } else {
            throw ApiException.invalid(name, "'" + name + "' must be a string or an array of at most " + most
                    + " strings");
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiException.invalid(name, "'" + name + "' must not hold empty strings");
        }
        return out;
    }

    /** Refuses a field whose value asks for something this server does not do: only {@code accepted} values pass. */
    void only(String name, JsonNode... accepted) {
        JsonNode n = node(name);
        if (n == null) {
            return;
        }
        for (JsonNode a : accepted) {
            if (a.equals(n) || a.isNumber() && n.isNumber() && a.doubleValue() == n.doubleValue()) {
                return;
            }
        }
        throw ApiException.invalid(name, "'" + name + "' = " + n + " is not supported by this server");
    }
}
