package dev.vnet.apiserver.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A Kubernetes int-or-string field, such as a Service port's targetPort: a number, or a named container port. */
public record IntOrString(Integer number, String name) {
    @JsonCreator
    public static IntOrString of(Object value) {
        if (value instanceof Number n) {
            return new IntOrString(n.intValue(), null);
        }
        String s = String.valueOf(value);
        if (s.matches("\\d+")) {
            return new IntOrString(Integer.parseInt(s), null);
        }
        return new IntOrString(null, s);
    }

    @JsonValue
    public Object value() {
        return number != null ? number : name;
    }

    public boolean isNumber() {
        return number != null;
    }

    @Override
    public String toString() {
        return String.valueOf(value());
    }
}
