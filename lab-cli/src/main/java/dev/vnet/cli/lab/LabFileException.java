package dev.vnet.cli.lab;

/** A lab file that cannot be used; the message is one line naming the file, the place and the problem. */
public final class LabFileException extends Exception {
    public LabFileException(String message) {
        super(message);
    }
}
