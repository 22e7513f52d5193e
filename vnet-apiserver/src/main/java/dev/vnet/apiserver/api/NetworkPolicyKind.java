package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * networking.k8s.io/v1 NetworkPolicies, applied by each node's policy stage. The kind's declaration: validation
 * (its checks live beside the engine that applies policies, and come in through {@link #setValidator}), columns
 * and kubectl's describe output.
 */
public final class NetworkPolicyKind {
    /** The checks of a policy beyond its name, set by the policy engine's module when it is on the class path. */
    private static volatile Kind.Validator<NetworkPolicy> validator = p -> { };

    public static final Kind<NetworkPolicy> KIND = Kind.of(NetworkPolicy.class).shortNames("netpol")
            .validation(NetworkPolicyKind::validate)
            .actsOn("spec.podSelector", "spec.policyTypes", "spec.ingress", "spec.egress")
            .column(Column.of("NAME", p -> p.getMetadata().getName()))
            .column(Column.of("POD-SELECTOR", p -> selector(p.getSpec() == null ? null : p.getSpec().getPodSelector(),
                    "<none>")))
            .column(Column.of("AGE", (p, ctx) -> Ages.of(p, ctx.now()), false))
            .describer(NetworkPolicyKind::describe)
            .build();

    private NetworkPolicyKind() {
    }

    /** Sets the policy checks (a one-line error naming the field path for each refusal). */
    public static void setValidator(Kind.Validator<NetworkPolicy> v) {
        validator = v;
    }

    private static void validate(NetworkPolicy p) throws InvalidManifestException {
        Names.validateMetadata(p, Names::dns1123Subdomain);
        validator.validate(p);
    }

    /** role=db,tier notin (web), as kubectl prints a selector; {@code empty} for the empty selector. */
    public static String selector(LabelSelector s, String empty) {
        if (s == null) {
            return empty;
        }
        List<String> parts = new ArrayList<>();
        s.getMatchLabels().forEach((k, v) -> parts.add(k + "=" + v));
        for (LabelSelectorRequirement r : s.getMatchExpressions()) {
            String op = r.getOperator() == null ? "" : r.getOperator();
            switch (op) {
                case "In" -> parts.add(r.getKey() + " in (" + String.join(",", r.getValues()) + ")");
                case "NotIn" -> parts.add(r.getKey() + " notin (" + String.join(",", r.getValues()) + ")");
                case "Exists" -> parts.add(r.getKey());
                case "DoesNotExist" -> parts.add("!" + r.getKey());
                default -> parts.add(r.getKey() + " " + op + " (" + String.join(",", r.getValues()) + ")");
            }
        }
        return parts.isEmpty() ? empty : String.join(",", parts);
    }

    private static Description describe(NetworkPolicy p, DescribeContext ctx) {
        Description d = Description.head(p);
        NetworkPolicySpec spec = p.getSpec();
        d.line("Spec:");
        if (spec == null) {
            return d.field("Events:", "<none>");
        }
        d.field("  PodSelector:", selector(spec.getPodSelector(), "<none> (Allowing the specific traffic to all pods "
                + "in this namespace)"));
        List<String> types = types(spec);
        if (types.contains("Ingress")) {
            if (spec.getIngress().isEmpty()) {
                d.line("  Allowing ingress traffic:");
                d.line("    <none> (Selected pods are isolated for ingress connectivity)");
            } else {
                d.line("  Allowing ingress traffic:");
                rules(d, spec.getIngress().size(), i -> spec.getIngress().get(i).getPorts(),
                        i -> spec.getIngress().get(i).getFrom(), "From");
            }
        } else {
            d.line("  Not affecting ingress traffic");
        }
        if (types.contains("Egress")) {
            if (spec.getEgress().isEmpty()) {
                d.line("  Allowing egress traffic:");
                d.line("    <none> (Selected pods are isolated for egress connectivity)");
            } else {
                d.line("  Allowing egress traffic:");
                rules(d, spec.getEgress().size(), i -> spec.getEgress().get(i).getPorts(),
                        i -> spec.getEgress().get(i).getTo(), "To");
            }
        } else {
            d.line("  Not affecting egress traffic");
        }
        return d.field("  Policy Types:", String.join(", ", types)).field("Events:", "<none>");
    }

    /** The policy's types as Kubernetes defaults them: Ingress always, Egress when it has egress rules. */
    public static List<String> types(NetworkPolicySpec spec) {
        if (!spec.getPolicyTypes().isEmpty()) {
            return spec.getPolicyTypes();
        }
        return spec.getEgress().isEmpty() ? List.of("Ingress") : List.of("Ingress", "Egress");
    }

    private static void rules(Description d, int n, java.util.function.IntFunction<List<NetworkPolicyPort>> ports,
                              java.util.function.IntFunction<List<NetworkPolicyPeer>> peers, String word) {
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                d.line("    ----------");
            }
            List<NetworkPolicyPort> ps = ports.apply(i);
            if (ps.isEmpty()) {
                d.line("    To Port: <any> (traffic allowed to all ports)");
            }
            for (NetworkPolicyPort port : ps) {
                d.line("    To Port: " + port(port));
            }
            List<NetworkPolicyPeer> from = peers.apply(i);
            if (from.isEmpty()) {
                d.line("    " + word + ": <any> (traffic not restricted by source)");
            }
            for (NetworkPolicyPeer peer : from) {
                d.line("    " + word + ":");
                peer(peer, d::line);
            }
        }
    }

    private static String port(NetworkPolicyPort p) {
        String proto = p.getProtocol() == null ? "TCP" : p.getProtocol();
        IntOrString port = p.getPort();
        String number = port == null ? "<any>" : port.getIntVal() != null ? String.valueOf(port.getIntVal())
                : port.getStrVal();
        return number + (p.getEndPort() != null ? "-" + p.getEndPort() : "") + "/" + proto;
    }

    private static void peer(NetworkPolicyPeer peer, Consumer<String> out) {
        if (peer.getPodSelector() != null) {
            out.accept("      PodSelector: " + selector(peer.getPodSelector(), "<all pods>"));
        }
        if (peer.getNamespaceSelector() != null) {
            out.accept("      NamespaceSelector: " + selector(peer.getNamespaceSelector(), "<all namespaces>"));
        }
        IPBlock b = peer.getIpBlock();
        if (b != null) {
            out.accept("      IPBlock:");
            out.accept("        CIDR: " + b.getCidr());
            out.accept("        Except: " + String.join(", ", b.getExcept()));
        }
    }
}
