package dev.vnet.node.lab;

/** A lab operation that cannot be done; the message is one line that says what to do. */
public final class LabException extends Exception {
    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
