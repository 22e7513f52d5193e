package dev.vnet.policy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What the API server checks in a NetworkPolicy's spec before storing it (Kubernetes'
 * {@code ValidateNetworkPolicySpec}, {@code ValidateLabelSelector}, {@code ValidateIPBlock}), plus what vnet
 * does not support: SCTP and IPv6. Each problem is one line that names the field path, such as
 * {@code spec.ingress[0].ports[1].protocol: "SCTP" is not supported: TCP or UDP}. The object's metadata is
 * the registry's to check.
 */
public final class PolicyValidation {
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private PolicyValidation() {
    }

    /** Every problem of the policy's spec, one line each; empty if the API server would store it. */
    public static List<String> validate(NetworkPolicy policy) {
        List<String> errors = new ArrayList<>();
        NetworkPolicySpec spec = policy.getSpec();
        if (spec == null) {
            return errors;   // an empty spec: every pod of the namespace, ingress isolated
        }
        selector(spec.getPodSelector(), "spec.podSelector", errors);
        List<NetworkPolicyIngressRule> ingress = spec.getIngress() == null ? List.of() : spec.getIngress();
        for (int i = 0; i < ingress.size(); i++) {
            NetworkPolicyIngressRule r = ingress.get(i);
            if (r != null) {
                rule("spec.ingress[" + i + "]", "from", r.getFrom(), r.getPorts(), errors);
            }
        }
        List<NetworkPolicyEgressRule> egress = spec.getEgress() == null ? List.of() : spec.getEgress();
        for (int i = 0; i < egress.size(); i++) {
            NetworkPolicyEgressRule r = egress.get(i);
            if (r != null) {
                rule("spec.egress[" + i + "]", "to", r.getTo(), r.getPorts(), errors);
            }
        }
        List<String> types = spec.getPolicyTypes() == null ? List.of() : spec.getPolicyTypes();
        if (types.size() > 2) {
            errors.add("spec.policyTypes: may list at most two types (Ingress, Egress), got " + types.size());
        } else {
            for (int i = 0; i < types.size(); i++) {
                if (!"Ingress".equals(types.get(i)) && !"Egress".equals(types.get(i))) {
                    errors.add("spec.policyTypes[" + i + "]: " + quote(types.get(i)) + " is not supported: Ingress or Egress");
                }
            }
        }
        return errors;
    }

    private static void rule(String path, String peerField, List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports,
                             List<String> errors) {
        if (ports != null) {
            for (int j = 0; j < ports.size(); j++) {
                if (ports.get(j) != null) {
                    port(ports.get(j), path + ".ports[" + j + "]", errors);
                }
            }
        }
        if (peers != null) {
            for (int j = 0; j < peers.size(); j++) {
                peer(peers.get(j), path + "." + peerField + "[" + j + "]", errors);
            }
        }
    }

    private static void port(NetworkPolicyPort p, String path, List<String> errors) {
        String protocol = p.getProtocol();
        if (protocol != null && !protocol.equals("TCP") && !protocol.equals("UDP")) {
            errors.add(path + ".protocol: " + quote(protocol) + " is not supported: TCP or UDP");
        }
        IntOrString port = p.getPort();
        Integer endPort = p.getEndPort();
        boolean hasPort = port != null && (port.getIntVal() != null || port.getStrVal() != null);
        if (!hasPort) {
            if (endPort != null) {
                errors.add(path + ".endPort: may not be given without port");
            }
            return;
        }
        if (port.getIntVal() != null) {
            int n = port.getIntVal();
            if (n < 1 || n > 65535) {
                errors.add(path + ".port: " + n + " must be between 1 and 65535, inclusive (or a port name)");
            }
            if (endPort != null) {
                if (endPort < n) {
                    errors.add(path + ".endPort: " + endPort + " must be greater than or equal to port (" + n + ")");
                }
                if (endPort < 1 || endPort > 65535) {
                    errors.add(path + ".endPort: " + endPort + " must be between 1 and 65535, inclusive");
                }
            }
            return;
        }
        String name = port.getStrVal();
        if (endPort != null) {
            errors.add(path + ".endPort: may not be given when port is a name (" + quote(name) + ")");
        }
        String why = portNameProblem(name);
        if (why != null) {
            errors.add(path + ".port: " + quote(name) + " is not a port number or name: " + why);
        }
    }

    /** Kubernetes' IsValidPortName (an IANA service name), the first rule broken; null if valid. */
    static String portNameProblem(String name) {
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.length() > 15) {
            return "a name has at most 15 characters";
        }
        if (!name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return "a name has only lower-case letters, digits and hyphens";
        }
        if (name.chars().noneMatch(c -> c >= 'a' && c <= 'z')) {
            return "a name has at least one letter";
        }
        if (name.contains("--")) {
            return "a name has no consecutive hyphens";
        }
        if (name.startsWith("-") || name.endsWith("-")) {
            return "a name does not begin or end with a hyphen";
        }
        return null;
    }

    private static void peer(NetworkPolicyPeer p, String path, List<String> errors) {
        if (p == null) {
            errors.add(path + ": must specify a peer: podSelector, namespaceSelector or ipBlock");
            return;
        }
        int kinds = 0;
        if (p.getPodSelector() != null) {
            kinds++;
            selector(p.getPodSelector(), path + ".podSelector", errors);
        }
        if (p.getNamespaceSelector() != null) {
            kinds++;
            selector(p.getNamespaceSelector(), path + ".namespaceSelector", errors);
        }
        if (p.getIpBlock() != null) {
            kinds++;
            ipBlock(p.getIpBlock(), path + ".ipBlock", errors);
        }
        if (kinds == 0) {
            errors.add(path + ": must specify a peer: podSelector, namespaceSelector or ipBlock");
        } else if (kinds > 1 && p.getIpBlock() != null) {
            errors.add(path + ": may not specify both ipBlock and another peer (use two peers)");
        }
    }

    private static void ipBlock(IPBlock b, String path, List<String> errors) {
        String cidr = b.getCidr();
        if (cidr == null || cidr.isEmpty()) {
            errors.add(path + ".cidr: required, an IPv4 CIDR like 10.0.0.0/8");
            return;
        }
        long parsed = CidrBlock.parse(cidr);
        if (parsed < 0) {
            errors.add(path + ".cidr: " + cidrProblem(cidr));
        }
        List<String> except = b.getExcept() == null ? List.of() : b.getExcept();
        for (int i = 0; i < except.size(); i++) {
            String e = except.get(i);
            long ex = CidrBlock.parse(e);
            if (ex < 0) {
                errors.add(path + ".except[" + i + "]: " + cidrProblem(e));
            } else if (parsed >= 0) {
                int p = CidrBlock.prefix(parsed);
                boolean inside = (CidrBlock.network(ex) & CidrBlock.mask(p)) == CidrBlock.network(parsed);
                if (!inside || CidrBlock.prefix(ex) <= p) {
                    errors.add(path + ".except[" + i + "]: " + quote(e) + " must be a strict subset of cidr "
                            + CidrBlock.format(parsed));
                }
            }
        }
    }

    private static String cidrProblem(String text) {
        if (text != null && text.contains(":")) {
            return quote(text) + " is IPv6: vnet's networks are IPv4 only";
        }
        return quote(text) + " is not a valid IPv4 CIDR (like 10.0.0.0/8)";
    }

    private static void selector(LabelSelector s, String path, List<String> errors) {
        if (s == null) {
            return;
        }
        if (s.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : new TreeMap<>(s.getMatchLabels()).entrySet()) {
                String keyProblem = labelKeyProblem(e.getKey());
                if (keyProblem != null) {
                    errors.add(path + ".matchLabels: " + quote(e.getKey()) + " is not a valid label key: " + keyProblem);
                }
                String valueProblem = labelValueProblem(e.getValue() == null ? "" : e.getValue());
                if (valueProblem != null) {
                    errors.add(path + ".matchLabels: " + quote(e.getValue()) + " is not a valid value for "
                            + e.getKey() + ": " + valueProblem);
                }
            }
        }
        List<LabelSelectorRequirement> exprs = s.getMatchExpressions() == null ? List.of() : s.getMatchExpressions();
        for (int i = 0; i < exprs.size(); i++) {
            LabelSelectorRequirement r = exprs.get(i);
            String at = path + ".matchExpressions[" + i + "]";
            if (r == null) {
                errors.add(at + ": must give key and operator");
                continue;
            }
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            String op = r.getOperator();
            if ("In".equals(op) || "NotIn".equals(op)) {
                if (values.isEmpty()) {
                    errors.add(at + ".values: must be given when operator is In or NotIn");
                }
            } else if ("Exists".equals(op) || "DoesNotExist".equals(op)) {
                if (!values.isEmpty()) {
                    errors.add(at + ".values: may not be given when operator is Exists or DoesNotExist");
                }
            } else {
                errors.add(at + ".operator: " + quote(op) + " is not a selector operator: In, NotIn, Exists or DoesNotExist");
            }
            String keyProblem = labelKeyProblem(r.getKey() == null ? "" : r.getKey());
            if (keyProblem != null) {
                errors.add(at + ".key: " + quote(r.getKey()) + " is not a valid label key: " + keyProblem);
            }
            for (int j = 0; j < values.size(); j++) {
                String v = values.get(j) == null ? "" : values.get(j);
                String valueProblem = labelValueProblem(v);
                if (valueProblem != null) {
                    errors.add(at + ".values[" + j + "]: " + quote(v) + " is not a valid label value: " + valueProblem);
                }
            }
        }
    }

    /** Kubernetes' IsQualifiedName: [prefix/]name, the prefix a DNS subdomain; null if valid. */
    static String labelKeyProblem(String key) {
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (name.indexOf('/') >= 0) {
                return "a key has at most one '/'";
            }
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return "the prefix before '/' must be a DNS subdomain, like example.com";
            }
        }
        if (name.isEmpty()) {
            return "the name part must not be empty";
        }
        if (name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
            return "the name part has at most 63 letters, digits, '-', '_' or '.', and starts and ends with a letter or digit";
        }
        return null;
    }

    /** Kubernetes' IsValidLabelValue; null if valid (empty is valid). */
    static String labelValueProblem(String value) {
        if (value.isEmpty()) {
            return null;
        }
        if (value.length() > 63 || !LABEL_NAME.matcher(value).matches()) {
            return "a value has at most 63 letters, digits, '-', '_' or '.', and starts and ends with a letter or digit";
        }
        return null;
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
