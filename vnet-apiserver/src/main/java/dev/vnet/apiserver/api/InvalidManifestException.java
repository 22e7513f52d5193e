package dev.vnet.apiserver.api;

/** A manifest or object that cannot be applied; the message is one line for the user, naming the field. */
public final class InvalidManifestException extends Exception {
    public InvalidManifestException(String message) {
        super(message);
    }
}
