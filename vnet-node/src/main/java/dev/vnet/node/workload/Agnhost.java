package dev.vnet.node.workload;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * agnhost (registry.k8s.io/e2e-test-images/agnhost), the image of Kubernetes' end-to-end tests and of many
 * tutorials: its first argument names a subcommand, the rest are that subcommand's flags. vnet runs
 * {@code netexec}, {@code serve-hostname} and {@code pause}, with agnhost's flags and defaults; other
 * subcommands and flags vnet does not run are refused with a one-line reason.
 */
public final class Agnhost {
    /** The subcommands vnet runs, as the error for another lists them. */
    public static final List<String> SUBCOMMANDS = List.of("netexec", "serve-hostname", "pause");

    /** Go's log package's time prefix, which agnhost's log lines start with. */
    private static final DateTimeFormatter GO_LOG_TIME =
            DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private static final Map<String, AgnhostArgs.Type> NETEXEC_FLAGS = Map.of(
            "http-port", AgnhostArgs.Type.INT,
            "udp-port", AgnhostArgs.Type.INT,
            "sctp-port", AgnhostArgs.Type.INT,
            "tls-cert-file", AgnhostArgs.Type.STRING,
            "tls-private-key-file", AgnhostArgs.Type.STRING,
            "http-override", AgnhostArgs.Type.STRING,
            "udp-listen-addresses", AgnhostArgs.Type.STRING);
    private static final Map<String, AgnhostArgs.Type> SERVE_HOSTNAME_FLAGS = Map.of(
            "tcp", AgnhostArgs.Type.BOOL,
            "udp", AgnhostArgs.Type.BOOL,
            "http", AgnhostArgs.Type.BOOL,
            "close", AgnhostArgs.Type.BOOL,
            "port", AgnhostArgs.Type.INT);

    private Agnhost() {
    }

    /** What {@code args} ask agnhost to run: the subcommand and its parsed flags. */
    record Invocation(String subcommand, AgnhostArgs flags) {}

    /**
     * Parses agnhost's arguments (the subcommand first; none means its CMD, pause); throws
     * {@link IllegalArgumentException} with agnhost's reason, or vnet's for what it does not run.
     */
    static Invocation parse(List<String> args) {
        if (args.isEmpty()) {
            return new Invocation("pause", AgnhostArgs.parse(List.of(), Map.of()));
        }
        String sub = args.get(0);
        List<String> rest = args.subList(1, args.size());
        Invocation inv = switch (sub) {
            case "netexec" -> new Invocation(sub, AgnhostArgs.parse(rest, NETEXEC_FLAGS));
            case "serve-hostname" -> new Invocation(sub, AgnhostArgs.parse(rest, SERVE_HOSTNAME_FLAGS));
            case "pause" -> new Invocation(sub, AgnhostArgs.parse(rest, Map.of()));
            default -> throw new IllegalArgumentException("subcommand \"" + sub + "\" is not one vnet runs ("
                    + String.join(", ", SUBCOMMANDS) + "): use one of those, or give a command: [...] to run in "
                    + "the pod's namespace");
        };
        if (sub.equals("netexec")) {
            for (String f : List.of("tls-cert-file", "tls-private-key-file", "http-override", "udp-listen-addresses")) {
                if (inv.flags().given(f)) {
                    throw new IllegalArgumentException("--" + f + " is not run by vnet's netexec: leave it out");
                }
            }
            if (inv.flags().integer("sctp-port", -1) != -1) {
                throw new IllegalArgumentException("--sctp-port is not run by vnet's netexec: leave it out");
            }
        }
        if (sub.equals("serve-hostname")) {
            AgnhostArgs f = inv.flags();
            if (f.bool("http", true) && (f.bool("tcp", false) || f.bool("udp", false))) {
                throw new IllegalArgumentException("Can't serve TCP/UDP mode and HTTP mode at the same time: "
                        + "add --http=false");
            }
        }
        return inv;
    }

    /** Starts agnhost with {@code args} in the pod's namespace. */
    public static Workload start(String containerName, PodInfo pod, List<String> args, Path logFile)
            throws IOException {
        Invocation inv;
        try {
            inv = parse(args);
        } catch (IllegalArgumentException e) {
            throw new IOException("container " + containerName + ": agnhost " + String.join(" ", args) + ": "
                    + e.getMessage(), e);
        }
        AgnhostArgs f = inv.flags();
        return switch (inv.subcommand()) {
            case "netexec" -> NetexecServer.open(containerName, pod, f.integer("http-port",
                    NetexecServer.DEFAULT_HTTP_PORT), f.integer("udp-port", NetexecServer.DEFAULT_UDP_PORT), logFile);
            case "serve-hostname" -> ServeHostname.open(containerName, pod, f.integer("port", ServeHostname.DEFAULT_PORT),
                    f.bool("http", true), f.bool("tcp", false), f.bool("udp", false), f.bool("close", false), logFile);
            default -> new PauseContainer(containerName, logFile);
        };
    }

    /** A line as Go's log package writes it: date, time, message. */
    static String goLog(Clock clock, String message) {
        return GO_LOG_TIME.format(clock.instant()) + " " + message;
    }
}
