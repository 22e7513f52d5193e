package dev.vnet.cli;

import picocli.CommandLine;

/** Entry point of the {@code vnet} command. */
public final class Main {
    private Main() {}

    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final java.util.List<java.util.logging.Logger> QUIET = java.util.stream.Stream.of(
            "io.netty", "io.vertx", "io.grpc", "io.etcd").map(java.util.logging.Logger::getLogger).toList();

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %5$s%6$s%n");
        // The etcd client's libraries chatter at INFO; vnet's own lines are the ones to read.
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
        Integer status = intoLabNamespace(args);
        System.exit(status != null ? status : run(args));
    }

    /** Verbs that act on this machine itself, never from inside the lab. */
    private static final java.util.Set<String> MACHINE_VERBS = java.util.Set.of("up", "down", "node", "help",
            "--help", "-h", "--version", "-V");

    /**
     * With a local multi-process lab running, runs this same command inside the outside namespace, as a machine
     * on the underlay: the cluster's store and node APIs live on lab addresses, which the root namespace must
     * never send to. Returns the exit status, or null to run here.
     */
    static Integer intoLabNamespace(String[] args) {
        if (System.getenv("VNET_IN_LAB_NETNS") != null) {
            return null;
        }
        java.nio.file.Path stateDir = dev.vnet.lab.LabConfig.DEFAULT_STATE_DIR;
        String verb = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--store") || a.startsWith("--store=")) {
                return null; // the user says where the cluster is
            }
            if (a.equals("--state-dir") && i + 1 < args.length) {
                stateDir = java.nio.file.Path.of(args[++i]);
            } else if (a.startsWith("--state-dir=")) {
                stateDir = java.nio.file.Path.of(a.substring(12));
            } else if (a.equals("--prefix") || a.equals("--config") || a.equals("--token-file")) {
                i++;
            } else if (verb == null && !a.startsWith("-")) {
                verb = a;
            }
        }
        if (verb != null && MACHINE_VERBS.contains(verb)) {
            return null;
        }
        java.util.Optional<dev.vnet.lab.ProcessLab.ClusterFile> cluster =
                dev.vnet.lab.ProcessLab.running(stateDir);
        if (cluster.isEmpty()) {
            return null;
        }
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("ip", "netns", "exec",
                cluster.get().outside(), ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "--store", cluster.get().store(),
                "--token-file", cluster.get().tokenFile().toString()));
        argv.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).inheritIO();
        pb.environment().put("VNET_IN_LAB_NETNS", cluster.get().outside());
        try {
            return pb.start().waitFor();
        } catch (java.io.IOException e) {
            System.err.println("error: cannot enter the lab's namespace " + cluster.get().outside() + ": "
                    + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
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
