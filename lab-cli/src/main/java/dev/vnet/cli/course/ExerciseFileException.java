package dev.vnet.cli.course;

/** A lab file that cannot be used; the message is one line naming the file, the place and the problem. */
public final class ExerciseFileException extends Exception {
    public ExerciseFileException(String message) {
        super(message);
    }
}
