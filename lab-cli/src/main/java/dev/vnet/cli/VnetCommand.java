package dev.vnet.cli;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.lab.LabConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code vnet} command table. Each subcommand's description is its help; the same table will drive the
 * REPL, so the two can never differ.
 */
@Command(name = "vnet", mixinStandardHelpOptions = true, version = "vnet 0.1.0",
        description = "A userspace virtual network that teaches Kubernetes networking by building it.%n"
                + "Start a lab with `vnet up -d`, then apply pods and look at them from inside.%n"
                + "With no verb on a terminal, vnet starts its REPL: the same verbs, with completion and history,%n"
                + "and Mininet-style lines (`pod-a ping -c 2 pod-b`).",
        subcommands = {UpCommand.class, DownCommand.class, NodeCommand.class, StatusCommand.class, ApplyCommand.class,
                CreateCommand.class, GetCommand.class, DescribeCommand.class, DeleteCommand.class, ConntrackCommand.class, ProxyCommand.class, DnsCommand.class, TraceCommand.class, CaptureCommand.class, FlowsCommand.class, PolicyCommand.class, StatsCommand.class, TopologyCommand.class, ExecCommand.class, LogsCommand.class, PortForwardCommand.class, LabCommand.class, KubeconfigCommand.class, FaultCommand.class, DiffCommand.class,
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

    @Option(names = "--store", description = "The cluster store of a multi-machine cluster, etcd://HOST:2379 (default: "
            + "the config file's, else the local lab).", scope = CommandLine.ScopeType.INHERIT)
    String store;

    @Option(names = "--token-file", description = "The cluster token for the nodes' APIs (default: the config file's, "
            + "else /etc/vnet/token).", scope = CommandLine.ScopeType.INHERIT)
    Path tokenFile;

    @Option(names = "--config", description = "Where --store and --token-file are read from when not given "
            + "(default: ${DEFAULT-VALUE}).", scope = CommandLine.ScopeType.INHERIT)
    Path configFile = ClusterConfig.DEFAULT_FILE;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private ApiClient client;

    /** With no verb: the REPL on a terminal, the usage otherwise. */
    @Override
    public void run() {
        if (System.console() == null) {
            spec.commandLine().usage(spec.commandLine().getOut());
            return;
        }
        try {
            new Repl(this, replArgs()).run();
        } catch (ApiException e) {
            throw new picocli.CommandLine.ExecutionException(spec.commandLine(), e.getMessage());
        } catch (java.io.IOException e) {
            throw new picocli.CommandLine.ExecutionException(spec.commandLine(), "the terminal failed: " + e.getMessage());
        }
    }

    /** The root options the REPL puts before each verb it runs, so a verb sees the lab the REPL was started on. */
    java.util.List<String> replArgs() {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--state-dir", stateDir.toString(),
                "--prefix", prefix, "--config", configFile.toString()));
        if (debug) {
            args.add("--debug");
        }
        if (store != null) {
            args.addAll(java.util.List.of("--store", store));
        }
        if (tokenFile != null) {
            args.addAll(java.util.List.of("--token-file", tokenFile.toString()));
        }
        return args;
    }

    /**
     * The API to talk to: a cluster of node processes when a store is given (option, or config file), else the
     * local lab's socket.
     */
    ApiClient client() throws ApiException {
        if (client == null) {
            ClusterConfig cluster = ClusterConfig.resolve(store, tokenFile, configFile);
            try {
                client = cluster == null ? ApiClient.local(stateDir)
                        : new dev.vnet.apiserver.client.ClusterClient(cluster.store(), cluster.token(),
                                dev.vnet.node.agent.NodeAgent.DEFAULT_API_PORT);
            } catch (dev.vnet.apiserver.store.ClusterStore.UnavailableException e) {
                throw new ApiException(e.getMessage());
            }
        }
        return client;
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
            String msg = ex instanceof ApiException || ex instanceof CliException ? ex.getMessage()
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
