package dev.vnet.cli;

import picocli.CommandLine;

/** Entry point of the {@code vnet} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %5$s%6$s%n");
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit status; errors are one line on stderr unless --debug. */
    public static int run(String... args) {
        CommandLine cl = VnetCommand.commandLine();
        return cl.execute(args);
    }

    /** Runs one command line with its output and errors sent to the given writers (for tests and the REPL). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = VnetCommand.commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}
