package dev.vnet.cli.course;

/**
 * One thing a lab step verifies against the running network: a pod's phase, a connection, a trace, a counter,
 * a command's exit status... Every check can fail: the loader refuses checks that could not (a shell check
 * that runs nothing, a trace that asks for nothing), so a step cannot pass by accident.
 */
public interface Check {
    /** The check's name in lab files ({@code pod}, {@code reach}...). */
    String type();

    /**
     * What the check verifies, in the learner's words, before variables are filled in
     * ("lab2-a reaches lab2-b:8080 over TCP").
     */
    String what();

    /** Runs the check against the lab; never throws for a network that is not there yet. */
    Result run(CheckContext ctx);

    /** Called when the step becomes current, so checks that count can remember where counting starts. */
    default void begin(CheckContext ctx) {}

    /** The outcome of a check: passed, or the one line that says what is still missing. */
    record Result(boolean passed, String missing) {
        private static final Result PASS = new Result(true, "");

        public static Result pass() {
            return PASS;
        }

        public static Result fail(String missing) {
            return new Result(false, missing);
        }
    }
}
