package dev.vnet.cli;

import dev.vnet.node.lab.ApiClient;
import dev.vnet.node.lab.LabConfig;
import dev.vnet.node.lab.LabException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code vnet} command table. Each subcommand's description is its help; the same table will drive the
 * REPL, so the two can never differ.
 */
@Command(name = "vnet", mixinStandardHelpOptions = true, version = "vnet 0.1.0",
        description = "A userspace virtual network that teaches Kubernetes networking by building it.%n"
                + "Start a lab with `vnet up -d`, then apply pods and look at them from inside.%n"
                + "With no verb on a terminal, vnet starts its REPL: the same verbs, with completion and history,%n"
                + "and Mininet-style lines (`pod-a ping -c 2 pod-b`).",
        subcommands = {UpCommand.class, DownCommand.class, StatusCommand.class, ApplyCommand.class,
                GetCommand.class, DescribeCommand.class, DeleteCommand.class, ConntrackCommand.class, ProxyCommand.class, DnsCommand.class, TraceCommand.class, CaptureCommand.class, FlowsCommand.class, StatsCommand.class, TopologyCommand.class, ExecCommand.class, LogsCommand.class, LabCommand.class,
                CommandLine.HelpCommand.class})
public final class VnetCommand implements Runnable {
    @Option(names = "--debug", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    @Option(names = "--state-dir", hidden = true, description = "Where the lab's socket and records live.",
            scope = CommandLine.ScopeType.INHERIT)
    Path stateDir = LabConfig.DEFAULT_STATE_DIR;

    @Option(names = "--prefix", hidden = true, description = "Prefix of the lab's own namespaces.",
            scope = CommandLine.ScopeType.INHERIT)
    String prefix = LabConfig.DEFAULT_PREFIX;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** With no verb: the REPL on a terminal, the usage otherwise. */
    @Override
    public void run() {
        if (System.console() == null) {
            spec.commandLine().usage(spec.commandLine().getOut());
            return;
        }
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--state-dir", stateDir.toString(),
                "--prefix", prefix));
        if (debug) {
            args.add("--debug");
        }
        try {
            new Repl(this, args).run();
        } catch (java.io.IOException e) {
            throw new picocli.CommandLine.ExecutionException(spec.commandLine(), "the terminal failed: " + e.getMessage());
        }
    }

    ApiClient client() {
        return new ApiClient(stateDir.resolve("vnet.sock"));
    }

    LabConfig labConfig() {
        return LabConfig.defaults().withPrefixAndState(prefix, stateDir);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new VnetCommand());
        addHelp(cl);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            VnetCommand root = (VnetCommand) line.getCommandSpec().root().userObject();
            PrintWriter err = line.getErr();
            if (root.debug) {
                ex.printStackTrace(err);
            }
            String msg = ex instanceof LabException || ex instanceof CliException ? ex.getMessage()
                    : ex.getClass().getSimpleName() + ": " + ex.getMessage() + " (run with --debug for details)";
            err.println("error: " + msg);
            err.flush();
            return ex instanceof CliException c ? c.exitCode : 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage() + " (see `" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help`)");
            err.flush();
            return 2;
        });
        return cl;
    }

    /** `vnet VERB --help` for every verb, as the usage errors suggest. */
    private static void addHelp(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (spec.optionsMap().get("--help") == null && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help and exit.").build());
            }
            addHelp(sub);
        }
    }

    /** A command failure whose message is already the one line to show. */
    static final class CliException extends Exception {
        final int exitCode;

        CliException(String message) {
            this(message, 1);
        }

        CliException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }
    }
}
