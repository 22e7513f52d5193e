package dev.vnet.node.dns;

import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.core.addr.Ipv4Address;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TextParseException;

/**
 * The records CoreDNS's kubernetes plugin serves for a snapshot of Services, Endpoints and Pods (the Kubernetes
 * DNS specification, plus CoreDNS's choices where the specification leaves room), as one {@link ZoneIndex}:
 *
 * <pre>
 * web.default.svc.cluster.local.                     A     ClusterIP                  (ClusterIP, NodePort, LoadBalancer)
 * db.default.svc.cluster.local.                      A     each ready endpoint        (headless: clusterIP None)
 * db-0.db.default.svc.cluster.local.                 A     that endpoint              (endpoint hostname, else 10-244-1-5)
 * external.default.svc.cluster.local.                CNAME spec.externalName          (ExternalName)
 * _http._tcp.web.default.svc.cluster.local.          SRV   0 100 80 web.default.svc.cluster.local.  (named ports)
 * web.default.svc.cluster.local.                     SRV   one per port, any name
 * 10-244-1-5.default.pod.cluster.local.              A     10.244.1.5                 (only if a pod has it: "verified")
 * host.sub.default.svc.cluster.local.                A     pod IP  (running pod's spec.hostname/subdomain, headless "sub")
 * 20.0.96.10.in-addr.arpa.                           PTR   the Service, else its headless endpoint names, else the pod
 * </pre>
 *
 * Where CoreDNS gives several SRV records the same priority it splits the weight: each gets 100/n, at least 1.
 * Every namespace that holds an object exists ({@code default.svc.cluster.local}, {@code default.pod.cluster.local}),
 * as do {@code default}, {@code kube-system}, {@code kube-public} and {@code kube-node-lease}, so they answer NODATA.
 * An object whose name is not a valid DNS name (it cannot pass validation) is left out rather than failing the rest.
 */
final class ZoneRecords {
    /** Namespaces every cluster has, whether or not they hold anything yet. */
    static final List<String> BUILTIN_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");
    static final Name IN_ADDR_ARPA = Name.fromConstantString("in-addr.arpa.");

    private final Name zone;
    private final long ttl;
    private final ZoneIndex.Builder out;
    /** SRV records before their weights are known: owner -> (port, target). */
    private final Map<Name, List<SrvTarget>> srv = new LinkedHashMap<>();
    /** PTR candidates by IP, in CoreDNS's order of preference: ClusterIP, headless endpoint, pod. */
    private final Map<String, Name> servicePtr = new LinkedHashMap<>();
    private final Map<String, Set<Name>> endpointPtr = new LinkedHashMap<>();
    private final Map<String, Name> podPtr = new LinkedHashMap<>();

    private record SrvTarget(int port, Name target) {}

    private ZoneRecords(Name zone, long ttl) {
        this.zone = zone;
        this.ttl = ttl;
        this.out = new ZoneIndex.Builder(List.of(zone, IN_ADDR_ARPA));
    }

    /** The zone {@code zone} (absolute) for this cluster state, with every record's TTL {@code ttl}. */
    static ZoneIndex build(Name zone, long ttl, List<Service> services, List<Endpoints> endpoints, List<Pod> pods) {
        ZoneRecords z = new ZoneRecords(zone, ttl);
        z.namespaces(services, endpoints, pods);
        Map<String, Endpoints> endpointsByKey = new LinkedHashMap<>();
        for (Endpoints ep : endpoints) {
            if (ep.getMetadata() != null) {
                endpointsByKey.put(ep.getMetadata().getNamespace() + "/" + ep.getMetadata().getName(), ep);
            }
        }
        for (Service svc : services) {
            if (svc.getMetadata() == null || svc.getSpec() == null) {
                continue;
            }
            z.service(svc, endpointsByKey.get(ServiceKind.key(svc)));
        }
        Set<String> headless = new HashSet<>();
        for (Service svc : services) {
            if (svc.getMetadata() != null && ServiceKind.headless(svc)
                    && !ServiceKind.EXTERNAL_NAME.equals(ServiceKind.type(svc))) {
                headless.add(ServiceKind.key(svc));
            }
        }
        for (Pod pod : pods) {
            z.pod(pod, headless);
        }
        z.emitSrv();
        z.emitPtr();
        return z.out.build();
    }

    private void namespaces(List<Service> services, List<Endpoints> endpoints, List<Pod> pods) {
        Set<String> all = new TreeSet<>(BUILTIN_NAMESPACES);
        services.stream().filter(s -> s.getMetadata() != null).forEach(s -> all.add(s.getMetadata().getNamespace()));
        endpoints.stream().filter(e -> e.getMetadata() != null).forEach(e -> all.add(e.getMetadata().getNamespace()));
        pods.stream().filter(p -> p.getMetadata() != null).forEach(p -> all.add(p.getMetadata().getNamespace()));
        for (String ns : all) {
            Name svc = name(ns, "svc");
            Name pod = name(ns, "pod");
            if (svc != null && pod != null) {
                out.addName(svc);
                out.addName(pod);
            }
        }
        out.addName(name("svc"));
        out.addName(name("pod"));
    }

    private void service(Service svc, Endpoints ep) {
        Name owner = name(svc.getMetadata().getName(), svc.getMetadata().getNamespace(), "svc");
        if (owner == null) {
            return;
        }
        if (ServiceKind.EXTERNAL_NAME.equals(ServiceKind.type(svc))) {
            Name target = absolute(svc.getSpec().getExternalName());
            if (target != null) {
                out.add(new CNAMERecord(owner, DClass.IN, ttl, target));
            }
            return;
        }
        if (ServiceKind.headless(svc)) {
            headless(svc, owner, ep);
            return;
        }
        String ip = svc.getSpec().getClusterIP();
        if (ip == null || ip.isEmpty() || address(ip) == null) {
            return; // not allocated yet
        }
        out.add(new ARecord(owner, DClass.IN, ttl, address(ip)));
        servicePtr.put(ip, owner);
        for (ServicePort p : svc.getSpec().getPorts()) {
            if (p.getPort() != null) {
                srvRecords(owner, p.getName(), ServiceKind.protocol(p), p.getPort(), owner);
            }
        }
    }

    /** A headless Service: its name and each ready endpoint's name answer with the endpoints' own IPs. */
    private void headless(Service svc, Name owner, Endpoints ep) {
        if (ep == null) {
            return;
        }
        for (EndpointSubset subset : ep.getSubsets()) {
            for (EndpointAddress addr : subset.getAddresses()) {
                InetAddress ip = address(addr.getIp());
                Name host = ip == null ? null : name(endpointHostname(addr), svc.getMetadata().getName(),
                        svc.getMetadata().getNamespace(), "svc");
                if (host == null) {
                    continue;
                }
                out.add(new ARecord(owner, DClass.IN, ttl, ip));
                out.add(new ARecord(host, DClass.IN, ttl, ip));
                endpointPtr.computeIfAbsent(addr.getIp(), k -> new TreeSet<>()).add(host);
                for (EndpointPort p : subset.getPorts()) {
                    if (p.getPort() != null) {
                        srvRecords(owner, p.getName(), p.getProtocol() == null ? "TCP" : p.getProtocol(), p.getPort(),
                                host);
                    }
                }
            }
        }
    }

    /** SRV on the Service name itself for every port, and on _name._proto.Service for a named one. */
    private void srvRecords(Name service, String portName, String protocol, int port, Name target) {
        srv.computeIfAbsent(service, k -> new ArrayList<>()).add(new SrvTarget(port, target));
        if (portName != null && !portName.isEmpty()) {
            Name named = prefixed(service, "_" + portName, "_" + protocol.toLowerCase(Locale.ROOT));
            if (named != null) {
                srv.computeIfAbsent(named, k -> new ArrayList<>()).add(new SrvTarget(port, target));
            }
        }
    }

    /**
     * A pod's dashed-IP name in its namespace (any pod holding an IP, as CoreDNS's pod cache has it), and, once
     * it runs, its spec.hostname under the headless Service its spec.subdomain names.
     */
    private void pod(Pod pod, Set<String> headlessServices) {
        if (pod.getMetadata() == null || pod.getStatus() == null || !live(pod)) {
            return;
        }
        String ipText = PodKind.podIp(pod);
        String ns = PodKind.namespace(pod);
        InetAddress ip = address(ipText);
        Name owner = ip == null ? null : name(dashed(ipText), ns, "pod");
        if (owner == null) {
            return;
        }
        out.add(new ARecord(owner, DClass.IN, ttl, ip));
        podPtr.putIfAbsent(ipText, owner);
        PodSpec spec = pod.getSpec();
        if (spec == null || spec.getHostname() == null || spec.getSubdomain() == null
                || !"Running".equals(PodKind.phase(pod))) {
            return;
        }
        boolean governed = headlessServices.contains(ns + "/" + spec.getSubdomain());
        Name host = governed ? name(spec.getHostname(), spec.getSubdomain(), ns, "svc") : null;
        if (host != null) {
            out.add(new ARecord(host, DClass.IN, ttl, ip));
        }
    }

    /** CoreDNS's weights: n records of one priority share 100, each getting floor(100/n), but at least 1. */
    private void emitSrv() {
        srv.forEach((owner, targets) -> {
            int weight = Math.max(1, 100 / targets.size());
            for (SrvTarget t : targets) {
                out.add(new SRVRecord(owner, DClass.IN, ttl, 0, weight, t.port(), t.target()));
            }
        });
    }

    /** One PTR per address: the Service owning a ClusterIP, else every headless name of an endpoint, else the pod. */
    private void emitPtr() {
        Set<String> ips = new TreeSet<>(servicePtr.keySet());
        ips.addAll(endpointPtr.keySet());
        ips.addAll(podPtr.keySet());
        for (String ip : ips) {
            Name reverse;
            try {
                reverse = ReverseMap.fromAddress(ip);
            } catch (UnknownHostException e) {
                continue;
            }
            if (servicePtr.containsKey(ip)) {
                out.add(new PTRRecord(reverse, DClass.IN, ttl, servicePtr.get(ip)));
            } else if (endpointPtr.containsKey(ip)) {
                endpointPtr.get(ip).forEach(target -> out.add(new PTRRecord(reverse, DClass.IN, ttl, target)));
            } else {
                out.add(new PTRRecord(reverse, DClass.IN, ttl, podPtr.get(ip)));
            }
        }
    }

    /** The endpoint's own hostname, else its IP with dashes (CoreDNS's endpointHostname). */
    static String endpointHostname(EndpointAddress addr) {
        return addr.getHostname() != null && !addr.getHostname().isEmpty() ? addr.getHostname() : dashed(addr.getIp());
    }

    static String dashed(String ip) {
        return ip.replace('.', '-');
    }

    /** A pod that has an address and has not finished (Succeeded and Failed pods have released theirs). */
    private static boolean live(Pod pod) {
        String ip = PodKind.podIp(pod);
        String phase = PodKind.phase(pod);
        return ip != null && !ip.isEmpty() && !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    /** labels... under the zone, or null when a label is not a valid DNS label. */
    private Name name(String... labels) {
        return prefixed(zone, labels);
    }

    private static Name prefixed(Name origin, String... labels) {
        for (String label : labels) {
            if (label == null || label.isEmpty() || label.length() > 63 || label.contains(".")) {
                return null;
            }
        }
        try {
            return Name.concatenate(Name.fromString(String.join(".", labels)), origin);
        } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
            return null;
        }
    }

    /** An externalName as an absolute name ("example.com" is example.com.), or null if it is not a name. */
    private static Name absolute(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            return null;
        }
    }

    private static InetAddress address(String ip) {
        if (ip == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(Ipv4Address.parse(ip).toBytes());
        } catch (IllegalArgumentException | UnknownHostException e) {
            return null;
        }
    }
}
