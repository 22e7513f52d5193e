package dev.vnet.apiserver.api;

/** An API request that cannot be done (not found, refused, invalid); the message is one line that says what to do. */
public class ApiException extends Exception {
    public ApiException(String message) {
        super(message);
    }

    public ApiException(String message, Throwable cause) {
        super(message, cause);
    }
}
