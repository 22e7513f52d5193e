package dev.vnet.cli;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.cli.PortForwardTarget.Forward;
import dev.vnet.cli.PortForwardTarget.Mapping;
import dev.vnet.cli.PortForwardTarget.Ref;
import dev.vnet.cli.PortForwardTarget.Resolved;
import dev.vnet.core.linux.NetNs;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vnet port-forward}: kubectl's, over vnet's API. Each connection accepted on this machine's loopback is
 * sent, as a {@link Operation#PORT_FORWARD} request of the API (a WebSocket), to the node process that runs the
 * pod; the node connects to the port inside the pod's network namespace and the WebSocket becomes the pipe. Nothing is added to this
 * machine's network namespace but the listening sockets on 127.0.0.1 (or ::1).
 *
 * <p>With a multi-process lab, vnet runs its verbs inside the lab's outside namespace (the node APIs live on lab
 * addresses); the listeners are then made in the namespace of the vnet that started it, the user's own.
 */
@Command(name = "port-forward", description = {
        "Forward local ports to a pod, as kubectl port-forward does. Listens on this machine's 127.0.0.1 only",
        "(nothing else is added to its network), and carries each connection through the pod's node into the",
        "pod's network namespace, where the node connects to 127.0.0.1:PORT. svc/NAME picks one ready pod behind",
        "the Service and maps the Service port to the pod's target port. Ports: LOCAL:REMOTE, REMOTE (the same",
        "port here), or :REMOTE (a free local port, printed). Runs until Ctrl-C.",
        "Examples: vnet port-forward web-1 8080   |   vnet port-forward svc/web 8080:80   |   vnet port-forward pod/web-1 :http"})
final class PortForwardCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "POD", description = "pod/NAME, svc/NAME, or a pod's NAME.")
    String target;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "[LOCAL:]REMOTE", description = "Ports to forward: "
            + "LOCAL:REMOTE, REMOTE, or :REMOTE; REMOTE is a number or a port name.")
    List<String> ports;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The pod's or Service's namespace.")
    String namespace;

    @Option(names = "--address", defaultValue = "127.0.0.1", split = ",", description = "Where to listen: "
            + "127.0.0.1 (the default), localhost or ::1; loopback only.")
    List<String> addresses;

    /** One listening socket and where its connections go. */
    private record Listener(ServerSocketChannel server, String shown, int port, int podPort) {}

    private final Set<SocketChannel> live = ConcurrentHashMap.newKeySet();
    private final Set<dev.vnet.apiserver.client.WebSocketPipe> pipes = ConcurrentHashMap.newKeySet();

    @Override
    public Integer call() throws Exception {
        List<InetAddress> where = loopback(addresses);
        List<Mapping> mappings = new ArrayList<>();
        Ref ref;
        try {
            for (String p : ports) {
                mappings.add(Mapping.parse(p));
            }
            ref = Ref.parse(target);
        } catch (ApiException e) {
            throw new VnetCommand.CliException(e.getMessage(), 2);
        }
        ApiClient client = root.client();
        Resolved resolved = resolve(client, ref, mappings);
        List<Listener> listeners = new ArrayList<>();
        List<Thread> accepting = new ArrayList<>();
        try {
            for (Forward f : resolved.forwards()) {
                for (InetAddress a : where) {
                    listeners.add(listen(a, f));
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            for (Listener l : listeners) {
                out.println("Forwarding from " + l.shown() + ":" + l.port() + " -> " + l.podPort());
            }
            out.flush();
            for (Listener l : listeners) {
                Thread t = new Thread(() -> acceptLoop(client, resolved, l), "port-forward-" + l.port());
                t.setDaemon(true);
                t.start();
                accepting.add(t);
            }
            Foreground.awaitInterrupt();
            return 0;
        } finally {
            for (Listener l : listeners) {
                l.server().close();
            }
            for (SocketChannel c : live) {
                c.close();
            }
            pipes.forEach(dev.vnet.apiserver.client.WebSocketPipe::close);
            // A socket closed under a blocked accept is released when that thread leaves it: once they have
            // left, the ports are free again.
            for (Thread t : accepting) {
                t.join(2000);
            }
        }
    }

    /** The addresses --address names, each a loopback one; anything else is refused. */
    static List<InetAddress> loopback(List<String> given) throws VnetCommand.CliException {
        Set<InetAddress> out = new LinkedHashSet<>();
        for (String a : given) {
            switch (a.strip()) {
                case "127.0.0.1", "localhost" -> out.add(v4Loopback());
                case "::1", "[::1]" -> out.add(v6Loopback());
                default -> throw new VnetCommand.CliException("port-forward listens on this machine's loopback only: "
                        + "--address takes 127.0.0.1, localhost or ::1, not " + a, 2);
            }
        }
        return List.copyOf(out);
    }

    private static InetAddress v4Loopback() {
        return address(new byte[] {127, 0, 0, 1});
    }

    private static InetAddress v6Loopback() {
        byte[] one = new byte[16];
        one[15] = 1;
        return address(one);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length, which these are not
        }
    }

    /** The pod and its ports, read from the API as kubectl reads them: the pod, or the Service's ready pod. */
    private Resolved resolve(ApiClient client, Ref ref, List<Mapping> mappings) throws ApiException {
        Resources api = new Resources(client);
        if (!ref.service()) {
            return PortForwardTarget.forPod(api.list(PodKind.KIND, namespace, false, ref.name()).get(0), mappings);
        }
        Service svc = api.list(ServiceKind.KIND, namespace, false, ref.name()).get(0);
        Endpoints eps;
        try {
            eps = api.list(EndpointsKind.KIND, namespace, false, ref.name()).get(0);
        } catch (ApiException e) {
            eps = null; // not made yet: no endpoints
        }
        Pod pod = api.list(PodKind.KIND, namespace, false, PortForwardTarget.readyPod(svc, eps)).get(0);
        return PortForwardTarget.forService(svc, pod, mappings);
    }

    private Listener listen(InetAddress address, Forward f) throws IOException, VnetCommand.CliException {
        String shown = address instanceof Inet6Address ? "[::1]" : "127.0.0.1";
        Callable<ServerSocketChannel> make = () -> {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.bind(new InetSocketAddress(address, f.local()));
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        };
        try {
            String hostNs = userNamespace();
            ServerSocketChannel s = hostNs == null ? make.call() : NetNs.call(hostNs, make);
            return new Listener(s, shown, ((InetSocketAddress) s.getLocalAddress()).getPort(), f.podPort());
        } catch (BindException e) {
            throw new VnetCommand.CliException("unable to listen on port " + f.local() + ": " + shown + ":" + f.local()
                    + " is in use (choose another local port, or :" + f.podPort() + " for a free one)");
        } catch (IOException e) {
            throw new VnetCommand.CliException("unable to listen on " + shown + ":" + f.local() + ": " + e.getMessage());
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * The network namespace to listen in when this process runs inside the lab's outside namespace: that of the
     * vnet that started it (its parent), as a /proc path; NetNs takes an absolute path as the namespace itself.
     * Null when this process is where the user ran it.
     */
    static String userNamespace() {
        if (System.getenv("VNET_IN_LAB_NETNS") == null) {
            return null;
        }
        return ProcessHandle.current().parent().map(p -> "/proc/" + p.pid() + "/ns/net").orElse(null);
    }

    private void acceptLoop(ApiClient client, Resolved to, Listener l) {
        PrintWriter out = spec.commandLine().getOut();
        while (true) {
            SocketChannel c;
            try {
                c = l.server().accept();
            } catch (IOException e) {
                return; // closed: the command stops
            }
            out.println("Handling connection for " + l.port());
            out.flush();
            live.add(c);
            Thread t = new Thread(() -> forward(client, to, l, c), "port-forward-conn-" + l.port());
            t.setDaemon(true);
            t.start();
        }
    }

    /** One connection: a pipe to the pod's node, joined to it until both sides are done. */
    private void forward(ApiClient client, Resolved to, Listener l, SocketChannel c) {
        try (c) {
            dev.vnet.apiserver.client.WebSocketPipe pipe;
            try {
                pipe = client.pipe(Operation.PORT_FORWARD.request().put("pod", to.pod())
                        .put("namespace", to.namespace()).put("port", l.podPort()));
            } catch (ApiException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println(e.getMessage());
                err.flush();
                return;
            }
            pipes.add(pipe);
            try (pipe) {
                pipe.join(c, "port-forward-back-" + l.port());
            } finally {
                pipes.remove(pipe);
            }
        } catch (IOException e) {
            // Closing a connection that failed already.
        } finally {
            live.remove(c);
        }
    }
}
