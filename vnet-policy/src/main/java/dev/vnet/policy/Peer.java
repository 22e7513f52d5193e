package dev.vnet.policy;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.IpProtocol;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One end of a connection as policy sees it: a pod (its namespace, name, labels, its namespace's labels, its
 * IP and its named container ports) or an address that is no pod's (a node, the outside, anything else).
 * Selectors match pods only; an {@code ipBlock} matches either by IP.
 *
 * <p>Immutable. Keep one Peer per pod and build a new one when the pod or its namespace's labels change: a
 * Peer remembers which policies of the last {@link PolicySet} it met select it (computed on its first decision
 * under that set), so later decisions do not look at the policies that do not select it.
 */
public final class Peer {
    /** The label every namespace carries with its own name (Kubernetes sets it, immutable, since 1.21). */
    public static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private static final PodPort[] NO_PORTS = {};

    private final boolean pod;
    private final String namespace;
    private final String name;
    private final int ip;
    private final Map<String, String> labels;
    private final Map<String, String> namespaceLabels;
    private final PodPort[] ports;
    /** What the last PolicySet that decided for this pod found (benign race: any thread may replace it). */
    private volatile PolicySet.Selection selection;

    private Peer(boolean pod, String namespace, String name, int ip, Map<String, String> labels,
                 Map<String, String> namespaceLabels, PodPort[] ports) {
        this.pod = pod;
        this.namespace = namespace;
        this.name = name;
        this.ip = ip;
        this.labels = labels;
        this.namespaceLabels = namespaceLabels;
        this.ports = ports;
    }

    /**
     * A pod. {@code namespaceLabels} are its namespace's labels; {@value #NAMESPACE_NAME_LABEL} is set to the
     * namespace's name whatever they say, as the API server keeps it. Only named ports matter to policy.
     */
    public static Peer pod(String namespace, String name, int ip, Map<String, String> labels,
                           Map<String, String> namespaceLabels, List<PodPort> ports) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Map<String, String> ns = new HashMap<>(namespaceLabels == null ? Map.of() : namespaceLabels);
        ns.put(NAMESPACE_NAME_LABEL, namespace);
        return new Peer(true, namespace, name, ip, Map.copyOf(labels == null ? Map.of() : labels), Map.copyOf(ns),
                ports == null ? NO_PORTS : ports.toArray(NO_PORTS));
    }

    /**
     * A pod from its resource: {@code metadata} (namespace "default" if unset), {@code status.podIP}, and the
     * named ports of {@code spec.containers[].ports[]} (protocol TCP if unset; SCTP ones are left out).
     *
     * @throws IllegalArgumentException if the pod has no IPv4 address yet
     */
    public static Peer of(Pod pod, Map<String, String> namespaceLabels) {
        ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        String namespace = meta.getNamespace() == null || meta.getNamespace().isEmpty() ? "default" : meta.getNamespace();
        String podIp = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (podIp == null || podIp.isEmpty()) {
            throw new IllegalArgumentException("pod " + namespace + "/" + meta.getName()
                    + " has no IP yet (status.podIP): it is no peer until it runs");
        }
        int ip = Ipv4Address.parse(podIp).bits();
        List<PodPort> ports = new ArrayList<>();
        if (pod.getSpec() != null && pod.getSpec().getContainers() != null) {
            for (Container c : pod.getSpec().getContainers()) {
                if (c.getPorts() == null) {
                    continue;
                }
                for (ContainerPort p : c.getPorts()) {
                    int protocol = p.getProtocol() == null ? IpProtocol.TCP.number()
                            : "TCP".equals(p.getProtocol()) ? IpProtocol.TCP.number()
                            : "UDP".equals(p.getProtocol()) ? IpProtocol.UDP.number() : -1;
                    Integer number = p.getContainerPort();
                    if (p.getName() != null && !p.getName().isEmpty() && protocol > 0 && number != null
                            && number >= 1 && number <= 65535) {
                        ports.add(new PodPort(p.getName(), protocol, number));
                    }
                }
            }
        }
        return pod(namespace, meta.getName() == null ? "" : meta.getName(), ip, meta.getLabels(), namespaceLabels, ports);
    }

    /** The pod with this IP in {@code directory}, or an address peer if no pod has it. */
    public static Peer at(int ip, PodDirectory directory) {
        Peer p = directory.podAt(ip);
        return p != null ? p : address(ip);
    }

    /** An address that is no pod's: only {@code ipBlock} peers match it, and no policy selects it. */
    public static Peer address(int ip) {
        return new Peer(false, null, null, ip, Map.of(), Map.of(), NO_PORTS);
    }

    /** True for a pod, false for an address that is no pod's. */
    public boolean isPod() {
        return pod;
    }

    /** The pod's namespace, or null for an address. */
    public String namespace() {
        return namespace;
    }

    /** The pod's name, or null for an address. */
    public String name() {
        return name;
    }

    /** The IPv4 address, as a big-endian int. */
    public int ip() {
        return ip;
    }

    public Map<String, String> labels() {
        return labels;
    }

    /** The labels of the pod's namespace ({@value #NAMESPACE_NAME_LABEL} included); empty for an address. */
    public Map<String, String> namespaceLabels() {
        return namespaceLabels;
    }

    public List<PodPort> ports() {
        return List.of(ports);
    }

    /** True if one of the pod's containers has a port of this name, protocol and number. */
    boolean hasNamedPort(String portName, int protocol, int port) {
        for (PodPort p : ports) {
            if (p.port() == port && p.protocol() == protocol && p.name().equals(portName)) {
                return true;
            }
        }
        return false;
    }

    /** The pod's port of this name and protocol, or 0: what a verdict names. */
    int namedPort(String portName, int protocol) {
        for (PodPort p : ports) {
            if (p.protocol() == protocol && p.name().equals(portName)) {
                return p.port();
            }
        }
        return 0;
    }

    PolicySet.Selection selection() {
        return selection;
    }

    void remember(PolicySet.Selection s) {
        selection = s;
    }

    /** "x/a (10.244.1.10)" for a pod, "192.168.56.1" for an address. */
    @Override
    public String toString() {
        return pod ? namespace + "/" + name + " (" + Ipv4Address.toString(ip) + ")" : Ipv4Address.toString(ip);
    }
}
