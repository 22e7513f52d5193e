package dev.vnet.apiserver.server;

/** A lab operation that cannot be done; the message is one line that says what to do. */
public final class ApiException extends Exception {
    public ApiException(String message) {
        super(message);
    }

    public ApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
