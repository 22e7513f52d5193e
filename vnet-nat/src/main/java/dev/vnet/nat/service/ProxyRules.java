package dev.vnet.nat.service;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.nat.lb.Endpoint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The iptables rules kube-proxy would install for a set of Service ports, in iptables-save form: the
 * KUBE-SERVICES dispatch, one KUBE-SVC-* chain per Service port with its statistic rules, one KUBE-SEP-*
 * chain per endpoint with its DNAT, KUBE-EXT-* for external traffic, and REJECT for Services without
 * endpoints. Chain names are kube-proxy's: the prefix and 16 base32 characters of a SHA-256.
 */
public final class ProxyRules {
    private ProxyRules() {}

    /** The rules for {@code ports}; {@code only} limits them to one Service ("namespace/name"), or null. */
    public static String render(List<ServicePort> ports, String only) {
        List<String> chains = new ArrayList<>(List.of("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
                "KUBE-MARK-MASQ"));
        List<String> rules = new ArrayList<>();
        List<String> nodePortRules = new ArrayList<>();
        List<String> filter = new ArrayList<>();
        for (ServicePort p : ports) {
            if (only != null && !p.name().startsWith(only + ":") && !p.name().equals(only)) {
                continue;
            }
            String proto = p.protocol() == 6 ? "tcp" : "udp";
            String svc = "KUBE-SVC-" + hash(p.name() + proto);
            String ext = "KUBE-EXT-" + hash(p.name() + proto);
            String match = "-m " + proto + " -p " + proto;
            List<Endpoint> eps = p.endpoints();
            if (eps.isEmpty()) {
                filter.add("-A KUBE-SERVICES -m comment --comment \"" + p.name() + " has no endpoints\" " + match
                        + " -d " + ip(p.clusterIp()) + "/32 --dport " + p.port() + " -j REJECT");
                continue;
            }
            // Local traffic policies go through KUBE-SVL-*, which jumps only to this node's endpoints.
            String svl = "KUBE-SVL-" + hash(p.name() + proto);
            boolean needsSvl = p.externalLocal() || p.internalLocal();
            chains.add(svc);
            if (needsSvl) {
                chains.add(svl);
            }
            rules.add("-A KUBE-SERVICES -m comment --comment \"" + p.name() + " cluster IP\" " + match + " -d "
                    + ip(p.clusterIp()) + "/32 --dport " + p.port() + " -j " + (p.internalLocal() ? svl : svc));
            boolean external = p.nodePort() != 0 || p.loadBalancerIp() != 0;
            if (external) {
                chains.add(ext);
                if (p.loadBalancerIp() != 0) {
                    rules.add("-A KUBE-SERVICES -m comment --comment \"" + p.name() + " loadbalancer IP\" " + match
                            + " -d " + ip(p.loadBalancerIp()) + "/32 --dport " + p.port() + " -j " + ext);
                }
                if (p.nodePort() != 0) {
                    nodePortRules.add("-A KUBE-NODEPORTS -m comment --comment \"" + p.name() + "\" " + match
                            + " --dport " + p.nodePort() + " -j " + ext);
                }
                if (!p.externalLocal()) {
                    nodePortRules.add("-A " + ext + " -m comment --comment \"masquerade traffic for " + p.name()
                            + " external destinations\" -j KUBE-MARK-MASQ");
                }
                nodePortRules.add("-A " + ext + " -j " + (p.externalLocal() ? svl : svc));
            }
            if (needsSvl) {
                List<Endpoint> local = eps.stream().filter(Endpoint::local).toList();
                for (int i = 0; i < local.size(); i++) {
                    Endpoint e = local.get(i);
                    String stat = i < local.size() - 1 ? " -m statistic --mode random --probability "
                            + String.format(Locale.ROOT, "%.11f", IptablesChainBalancer.probability(i, local.size())) : "";
                    rules.add("-A " + svl + " -m comment --comment \"" + p.name() + " -> " + e + "\"" + stat + " -j "
                            + "KUBE-SEP-" + hash(p.name() + proto + e));
                }
                if (local.isEmpty()) {
                    rules.add("-A " + svl + " -m comment --comment \"" + p.name() + " has no local endpoints\" -j DROP");
                }
            }
            List<String> sepRules = new ArrayList<>();
            for (int i = 0; i < eps.size(); i++) {
                Endpoint e = eps.get(i);
                String sep = "KUBE-SEP-" + hash(p.name() + proto + e);
                chains.add(sep);
                if (p.affinityNanos() > 0) {
                    rules.add("-A " + svc + " -m comment --comment \"" + p.name() + " -> " + e + "\" -m recent --name "
                            + sep + " --rcheck --seconds " + p.affinityNanos() / 1_000_000_000L + " --reap -j " + sep);
                }
                String stat = i < eps.size() - 1 ? " -m statistic --mode random --probability "
                        + String.format(Locale.ROOT, "%.11f", IptablesChainBalancer.probability(i, eps.size())) : "";
                sepRules.add("-A " + svc + " -m comment --comment \"" + p.name() + " -> " + e + "\"" + stat + " -j " + sep);
            }
            rules.addAll(sepRules);
            for (Endpoint e : eps) {
                String sep = "KUBE-SEP-" + hash(p.name() + proto + e);
                rules.add("-A " + sep + " -m comment --comment \"" + p.name() + "\" -s " + ip(e.ip())
                        + "/32 -j KUBE-MARK-MASQ");
                String recent = p.affinityNanos() > 0 ? " -m recent --name " + sep + " --set" : "";
                rules.add("-A " + sep + " -m comment --comment \"" + p.name() + "\"" + recent + " " + match
                        + " -j DNAT --to-destination " + e);
            }
        }
        StringBuilder out = new StringBuilder();
        if (!filter.isEmpty()) {
            out.append("*filter\n:KUBE-SERVICES - [0:0]\n");
            filter.forEach(r -> out.append(r).append('\n'));
            out.append("COMMIT\n");
        }
        out.append("*nat\n");
        chains.forEach(c -> out.append(':').append(c).append(" - [0:0]\n"));
        out.append("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n");
        out.append("-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n");
        out.append("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE\n");
        out.append("-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n");
        rules.stream().filter(r -> r.startsWith("-A KUBE-SERVICES")).forEach(r -> out.append(r).append('\n'));
        out.append("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last "
                + "rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n");
        nodePortRules.forEach(r -> out.append(r).append('\n'));
        rules.stream().filter(r -> !r.startsWith("-A KUBE-SERVICES")).forEach(r -> out.append(r).append('\n'));
        out.append("COMMIT\n");
        return out.toString();
    }

    /** kube-proxy's chain suffix: the first 16 characters of the base32 SHA-256 of the name. */
    static String hash(String s) {
        try {
            byte[] sum = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return base32(sum).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base32(byte[] data) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder sb = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return sb.toString();
    }

    private static String ip(int bits) {
        return Ipv4Address.toString(bits);
    }
}
