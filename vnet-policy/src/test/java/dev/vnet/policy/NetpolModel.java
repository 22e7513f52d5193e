package dev.vnet.policy;

import dev.vnet.core.addr.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upstream NetworkPolicy e2e model (kubernetes test/e2e/network/netpol, and cyclonus): namespaces x, y and
 * z labelled {@code ns: x|y|z} (and kubernetes.io/metadata.name), pods a, b and c in each labelled
 * {@code pod: a|b|c}, each serving TCP and UDP on 80 and 81 with ports named serve-80-tcp, serve-80-udp,
 * serve-81-tcp, serve-81-udp. Pod IPs: x at 10.244.1.10-12, y at 10.244.2.10-12, z at 10.244.3.10-12.
 * It is a {@link PodDirectory} over maps, as the node's is over the cluster store.
 */
final class NetpolModel implements PodDirectory {
    static final String[] NAMESPACES = {"x", "y", "z"};
    static final String[] PODS = {"a", "b", "c"};

    private final Map<String, Map<String, String>> namespaceLabels = new LinkedHashMap<>();
    private final Map<String, Peer> byName = new LinkedHashMap<>();
    private final Map<Integer, Peer> byIp = new HashMap<>();

    NetpolModel() {
        this(Map.of(), Map.of());
    }

    /** The model with extra labels on some namespaces ("y") or pods ("x/b"), as the "updated" e2e cases add. */
    NetpolModel(Map<String, Map<String, String>> extraNamespaceLabels, Map<String, Map<String, String>> extraPodLabels) {
        for (int n = 0; n < NAMESPACES.length; n++) {
            String ns = NAMESPACES[n];
            Map<String, String> labels = new HashMap<>(Map.of("ns", ns, Peer.NAMESPACE_NAME_LABEL, ns));
            labels.putAll(extraNamespaceLabels.getOrDefault(ns, Map.of()));
            namespaceLabels.put(ns, labels);
            for (int p = 0; p < PODS.length; p++) {
                String id = ns + "/" + PODS[p];
                Map<String, String> podLabels = new HashMap<>(Map.of("pod", PODS[p]));
                podLabels.putAll(extraPodLabels.getOrDefault(id, Map.of()));
                int ip = Ipv4Address.of(10, 244, n + 1, 10 + p).bits();
                Peer peer = Peer.pod(ns, PODS[p], ip, podLabels, labels, List.of(
                        PodPort.tcp("serve-80-tcp", 80), PodPort.udp("serve-80-udp", 80),
                        PodPort.tcp("serve-81-tcp", 81), PodPort.udp("serve-81-udp", 81)));
                byName.put(id, peer);
                byIp.put(ip, peer);
            }
        }
    }

    /** "x/a". */
    Peer pod(String id) {
        Peer p = byName.get(id);
        if (p == null) {
            throw new IllegalArgumentException("no pod " + id + " in the model");
        }
        return p;
    }

    /** The nine pods, x/a first, z/c last. */
    List<Peer> pods() {
        return new ArrayList<>(byName.values());
    }

    static String ip(String id) {
        int n = List.of(NAMESPACES).indexOf(id.substring(0, 1));
        int p = List.of(PODS).indexOf(id.substring(2));
        return "10.244." + (n + 1) + "." + (10 + p);
    }

    @Override
    public Peer podAt(int ip) {
        return byIp.get(ip);
    }

    @Override
    public Map<String, String> namespaceLabels(String namespace) {
        return namespaceLabels.getOrDefault(namespace, Map.of());
    }
}
