package dev.vnet.cli;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.PodKind;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What {@code vnet port-forward} reads from its command line, and where it sends each port, as kubectl decides
 * it on the client side: a pod's port by number or by container port name; for a Service, one ready pod behind
 * it (its Endpoints' first ready address) and the Service port turned into that pod's target port.
 */
final class PortForwardTarget {
    private static final Set<String> POD_WORDS = Set.of("pod", "pods", "po");
    private static final Set<String> SERVICE_WORDS = Set.of("service", "services", "svc");

    private PortForwardTarget() {
    }

    /** TYPE/NAME as written: a pod (pod/NAME or a bare NAME) or a Service (svc/NAME). */
    record Ref(boolean service, String name) {
        static Ref parse(String text) throws ApiException {
            int slash = text.indexOf('/');
            if (slash < 0) {
                return checked(false, text, text);
            }
            String type = text.substring(0, slash).toLowerCase();
            if (POD_WORDS.contains(type) || SERVICE_WORDS.contains(type)) {
                return checked(SERVICE_WORDS.contains(type), text.substring(slash + 1), text);
            }
            throw new ApiException("port-forward forwards to pod/NAME, svc/NAME or a pod's NAME (its namespace with "
                    + "-n), not " + text);
        }

        private static Ref checked(boolean service, String name, String text) throws ApiException {
            if (name.isEmpty() || name.contains("/")) {
                throw new ApiException("\"" + text + "\" names no pod or Service: give pod/NAME, svc/NAME or NAME");
            }
            return new Ref(service, name);
        }

        @Override
        public String toString() {
            return (service ? "svc/" : "pod/") + name;
        }
    }

    /**
     * One port argument: {@code LOCAL:REMOTE}, {@code REMOTE} (the same port here) or {@code :REMOTE} (a free
     * local port, {@link #local} 0). REMOTE is a number or a port name, resolved against the pod or Service.
     */
    record Mapping(int local, String remote) {
        static Mapping parse(String text) throws ApiException {
            String[] parts = text.split(":", -1);
            if (parts.length > 2 || parts[parts.length - 1].isEmpty()) {
                throw new ApiException("\"" + text + "\" is not a port to forward: give [LOCAL:]REMOTE, e.g. 8080:80, "
                        + "80, or :80 for a free local port");
            }
            String remote = parts[parts.length - 1];
            if (isNumber(remote)) {
                port(remote, "remote", text, false);
            } else if (!remote.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || remote.length() > 15) {
                throw new ApiException("\"" + remote + "\" in " + text + " is neither a port number nor a port name");
            }
            if (parts.length == 1) {
                return new Mapping(isNumber(remote) ? Integer.parseInt(remote) : -1, remote);
            }
            return new Mapping(parts[0].isEmpty() ? 0 : port(parts[0], "local", text, true), remote);
        }

        /** Whether the local port is the remote one once resolved (REMOTE alone, by name). */
        boolean localFollowsRemote() {
            return local < 0;
        }
    }

    /** Where one port goes: this machine's {@code local} port (0: any free one) to {@code podPort} of the pod. */
    record Forward(int local, int podPort) {}

    /** The pod that takes the connections, and each local port's port in it. */
    record Resolved(String namespace, String pod, List<Forward> forwards) {}

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() <= 5 && s.chars().allMatch(Character::isDigit);
    }

    private static int port(String s, String which, String text, boolean zeroOk) throws ApiException {
        int p = isNumber(s) ? Integer.parseInt(s) : -1;
        if (p < (zeroOk ? 0 : 1) || p > 65535) {
            throw new ApiException("the " + which + " port in " + text + " must be a number from " + (zeroOk ? 0 : 1)
                    + " to 65535, not " + s);
        }
        return p;
    }

    /** A pod's ports: the pod must run (a port-forward connects to a live process). */
    static Resolved forPod(Pod pod, List<Mapping> mappings) throws ApiException {
        requireRunning(pod);
        List<Forward> out = new ArrayList<>();
        for (Mapping m : mappings) {
            int port = isNumber(m.remote()) ? Integer.parseInt(m.remote()) : namedPort(pod, m.remote());
            out.add(new Forward(m.localFollowsRemote() ? port : m.local(), port));
        }
        return new Resolved(PodKind.namespace(pod), PodKind.name(pod), out);
    }

    /** The ready pod behind {@code svc}, its first in the Endpoints' order, as kubectl picks one. */
    static String readyPod(Service svc, Endpoints eps) throws ApiException {
        if (eps != null && eps.getSubsets() != null) {
            for (EndpointSubset s : eps.getSubsets()) {
                for (EndpointAddress a : s.getAddresses() == null ? List.<EndpointAddress>of() : s.getAddresses()) {
                    if (a.getTargetRef() != null && "Pod".equals(a.getTargetRef().getKind())) {
                        return a.getTargetRef().getName();
                    }
                }
            }
        }
        throw new ApiException("service " + svc.getMetadata().getName() + " has no ready endpoints to forward to: "
                + "see `vnet get endpoints " + svc.getMetadata().getName() + "` and its pods");
    }

    /** The Service's ports, as the Service port (number or name) of each mapping translated for {@code pod}. */
    static Resolved forService(Service svc, Pod pod, List<Mapping> mappings) throws ApiException {
        requireRunning(pod);
        String name = svc.getMetadata().getName();
        List<ServicePort> ports = svc.getSpec() == null || svc.getSpec().getPorts() == null ? List.of()
                : svc.getSpec().getPorts();
        List<Forward> out = new ArrayList<>();
        for (Mapping m : mappings) {
            ServicePort sp = ports.stream().filter(p -> m.remote().equals(String.valueOf(p.getPort()))
                    || m.remote().equals(p.getName())).findFirst().orElseThrow(() -> new ApiException("service "
                    + name + " has no port " + m.remote() + " (its ports: " + String.join(", ", ports.stream()
                    .map(p -> p.getPort() + (p.getName() == null ? "" : "/" + p.getName())).toList()) + ")"));
            IntOrString target = sp.getTargetPort();
            int podPort;
            if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
                podPort = sp.getPort();
            } else if (target.getIntVal() != null) {
                podPort = target.getIntVal();
            } else {
                podPort = namedPort(pod, target.getStrVal());
            }
            out.add(new Forward(m.localFollowsRemote() ? sp.getPort() : m.local(), podPort));
        }
        return new Resolved(PodKind.namespace(pod), PodKind.name(pod), out);
    }

    private static void requireRunning(Pod pod) throws ApiException {
        String phase = PodKind.phase(pod);
        if (!phase.equals("Running")) {
            throw new ApiException("unable to forward port because pod " + PodKind.name(pod) + " is not running "
                    + "(status " + phase + ")" + (PodKind.message(pod).isEmpty() ? "" : ": " + PodKind.message(pod)));
        }
    }

    /** The number of the container port named {@code name} in {@code pod}. */
    static int namedPort(Pod pod, String name) throws ApiException {
        List<String> names = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            for (ContainerPort p : c.getPorts()) {
                if (name.equals(p.getName()) && p.getContainerPort() != null) {
                    return p.getContainerPort();
                }
                if (p.getName() != null) {
                    names.add(p.getName() + "=" + p.getContainerPort());
                }
            }
        }
        throw new ApiException("pod " + PodKind.name(pod) + " has no container port named " + name
                + (names.isEmpty() ? " (it names none)" : " (its named ports: " + String.join(", ", names) + ")"));
    }
}
