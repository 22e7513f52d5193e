package dev.vnet.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vnet.core.packet.IpProtocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Truth tables on the upstream e2e model ({@link NetpolModel}: namespaces x, y, z; pods a, b, c): each case
 * applies its policies and checks all 81 (from, to) pairs against what Kubernetes defines. Cases ported from
 * kubernetes test/e2e/network/netpol/network_policy.go keep its names ("should ..."); the others are ours.
 * The diagonal (a pod to itself) is checked too, as policy defines it (the e2e tests skip it).
 */
class PolicySetTest {
    static final int TCP = IpProtocol.TCP.number();
    static final int UDP = IpProtocol.UDP.number();
    static final int ICMP = IpProtocol.ICMP.number();

    /** One case: a model, the policies as YAML, the protocol and port probed, and the expected table. */
    record Case(String name, NetpolModel model, String policies, int protocol, int port, Expected expected) {
        @Override
        public String toString() {
            return name + " [" + Texts.portOf(protocol, port) + "]";
        }
    }

    /** A NetworkPolicy manifest in namespace {@code ns} with the given spec (YAML, any indentation). */
    static String np(String ns, String name, String spec) {
        return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: "
                + ns + "\nspec:\n" + spec.stripIndent().indent(2) + "---\n";
    }

    private static final List<Case> CASES = new ArrayList<>();

    private static void add(String name, String policies, int protocol, int port, UnaryOperator<Expected> e) {
        add(name, new NetpolModel(), policies, protocol, port, e);
    }

    private static void add(String name, NetpolModel model, String policies, int protocol, int port,
                            UnaryOperator<Expected> e) {
        CASES.add(new Case(name, model, policies, protocol, port, e.apply(new Expected())));
    }

    static final String DENY_INGRESS_X = np("x", "deny-ingress", """
            podSelector: {}
            policyTypes: [Ingress]
            """);
    static final String DENY_ALL_X = np("x", "deny-all", """
            podSelector: {}
            policyTypes: [Ingress, Egress]
            """);

    static {
        // ---- ported from the upstream e2e tests
        add("should support a 'default-deny-ingress' policy", DENY_INGRESS_X, TCP, 80,
                e -> e.peer(null, null, "x", null, false));
        add("should support a 'default-deny-ingress' policy (UDP)", DENY_INGRESS_X, UDP, 80,
                e -> e.peer(null, null, "x", null, false));
        add("should support a 'default-deny-all' policy", DENY_ALL_X, TCP, 80,
                e -> e.peer(null, null, "x", null, false).peer("x", null, null, null, false));
        add("should enforce policy to allow traffic from pods within server namespace based on PodSelector",
                np("x", "x-a-allows-x-b", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector: {matchLabels: {pod: b}}
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).expect("x/b", "x/a", true));
        add("should enforce policy to allow ingress traffic for a target", DENY_INGRESS_X + np("x", "allow-all-to-a", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector: {}
                            namespaceSelector: {}
                        """), TCP, 80,
                e -> e.allIngress("x/a", true).allIngress("x/b", false).allIngress("x/c", false));
        add("should enforce policy to allow ingress traffic from pods in all namespaces", np("x", "allow-from-another-ns", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector: {matchLabels: {}}
                        """), TCP, 80, e -> e);
        add("should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
                np("x", "allow-client-a-via-ns-selector", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector: {matchLabels: {ns: y}}
                        """), TCP, 80,
                e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("should enforce policy based on PodSelector with MatchExpressions", np("x", "x-a-allows-x-b", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector:
                              matchExpressions: [{key: pod, operator: In, values: [b]}]
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).expect("x/b", "x/a", true));
        add("should enforce policy based on NamespaceSelector with MatchExpressions", np("x", "allow-ns-y-match-selector", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchExpressions: [{key: ns, operator: In, values: [y]}]
                        """), TCP, 80,
                e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("should enforce policy based on PodSelector or NamespaceSelector", np("x", "allow-ns-y-match-selector", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
                          - podSelector: {matchLabels: {pod: b}}
                        """), TCP, 80,
                e -> e.expect("x/a", "x/a", false).expect("x/c", "x/a", false));
        add("should enforce policy based on PodSelector and NamespaceSelector",
                np("x", "allow-ns-y-podselector-and-nsselector", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
                            podSelector: {matchLabels: {pod: b}}
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).expect("y/b", "x/a", true).expect("z/b", "x/a", true));
        add("should enforce policy based on Multiple PodSelectors and NamespaceSelectors", np("x", "allow-ns-y-z-pod-b-c", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchExpressions: [{key: ns, operator: NotIn, values: [x]}]
                            podSelector:
                              matchExpressions: [{key: pod, operator: In, values: [b, c]}]
                        """), TCP, 80,
                e -> e.peer("x", null, "x", "a", false).expect("y/a", "x/a", false).expect("z/a", "x/a", false));
        add("should enforce policy based on any PodSelectors", np("x", "allow-ns-x-pod-b-c", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector: {matchLabels: {pod: b}}
                          - podSelector: {matchLabels: {pod: c}}
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).expect("x/b", "x/a", true).expect("x/c", "x/a", true));
        String nsYPodA = np("x", "allow-ns-y-pod-a-via-namespace-pod-selector", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {ns: y}}
                    podSelector: {matchLabels: {pod: a}}
                """);
        add("should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and "
                + "NamespaceSelector", nsYPodA, TCP, 80, e -> e.allIngress("x/a", false).expect("y/a", "x/a", true));
        add("should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and "
                + "NamespaceSelector (UDP)", nsYPodA, UDP, 80, e -> e.allIngress("x/a", false).expect("y/a", "x/a", true));
        String port81FromY = np("x", "allow-client-a-via-ns-selector", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {ns: y}}
                  ports:
                  - {port: 81, protocol: TCP}
                """);
        add("should enforce policy based on Ports", port81FromY, TCP, 81,
                e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("should enforce policy based on Ports (port 80 is not allowed)", port81FromY, TCP, 80,
                e -> e.allIngress("x/a", false));
        String port80FromY = np("x", "allow-client-a-via-ns-selector-80", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {ns: y}}
                  ports:
                  - {port: 80, protocol: TCP}
                """);
        add("should enforce multiple, stacked policies with overlapping podSelectors", port81FromY + port80FromY, TCP, 80,
                e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        String allowAll = np("x", "allow-all", """
                podSelector: {}
                ingress:
                - {}
                """);
        add("should support allow-all policy", allowAll, TCP, 80, e -> e);
        add("should support allow-all policy (81)", allowAll, TCP, 81, e -> e);
        String named81 = np("x", "allow-all", """
                podSelector: {}
                ingress:
                - ports:
                  - port: serve-81-tcp
                """);
        add("should allow ingress access on one named port", named81, TCP, 81, e -> e);
        add("should allow ingress access on one named port (80 is blocked)", named81, TCP, 80,
                e -> e.peer(null, null, "x", null, false));
        String named80FromY = np("x", "allow-client-a-via-ns-selector-80", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {ns: y}}
                  ports:
                  - {port: serve-80-tcp, protocol: TCP}
                """);
        add("should allow ingress access from namespace on one named port", named80FromY, TCP, 80,
                e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("should allow ingress access from namespace on one named port (81 is blocked)", named80FromY, TCP, 81,
                e -> e.allIngress("x/a", false));
        String egressNamed80 = np("x", "allow-egress", """
                podSelector: {}
                policyTypes: [Egress]
                egress:
                - ports:
                  - port: serve-80-tcp
                """);
        add("should allow egress access on one named port", egressNamed80, TCP, 80, e -> e);
        add("should allow egress access on one named port (81 is blocked)", egressNamed80, TCP, 81,
                e -> e.peer("x", null, null, null, false));
        add("should enforce updated policy (allow all)", np("x", "allow-all-mutate-to-deny-all", """
                        podSelector: {}
                        ingress:
                        - {}
                        """), TCP, 81, e -> e);
        add("should enforce updated policy (updated to deny all)", np("x", "allow-all-mutate-to-deny-all", """
                        podSelector: {}
                        ingress: []
                        """), TCP, 81, e -> e.peer(null, null, "x", null, false));
        String fromNs2Updated = np("x", "allow-client-a-via-ns-selector", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {ns2: updated}}
                """);
        add("should allow ingress access from updated namespace (before the label)", fromNs2Updated, TCP, 80,
                e -> e.allIngress("x/a", false));
        add("should allow ingress access from updated namespace", new NetpolModel(Map.of("y", Map.of("ns2", "updated")),
                Map.of()), fromNs2Updated, TCP, 80, e -> e.allIngress("x/a", false).peer("y", null, null, null, true));
        String fromPod2Updated = np("x", "allow-client-a-via-pod-selector", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - podSelector: {matchLabels: {pod: b, pod2: updated}}
                """);
        add("should allow ingress access from updated pod (before the label)", fromPod2Updated, TCP, 80,
                e -> e.allIngress("x/a", false));
        add("should allow ingress access from updated pod", new NetpolModel(Map.of(),
                Map.of("x/b", Map.of("pod2", "updated"))), fromPod2Updated, TCP, 80,
                e -> e.allIngress("x/a", false).expect("x/b", "x/a", true));
        add("should deny ingress from pods on other namespaces", np("x", "deny-empty-policy", """
                        podSelector: {}
                        ingress:
                        - from:
                          - podSelector: {matchLabels: {}}
                        """), TCP, 80,
                e -> e.peer("y", null, "x", null, false).peer("z", null, "x", null, false));
        String isolateTarget = np("x", "deny-ingress-via-label-selector", """
                podSelector: {matchLabels: {target: isolated}}
                policyTypes: [Ingress]
                """);
        add("should deny ingress access to updated pod (before the label)", isolateTarget, TCP, 80, e -> e);
        add("should deny ingress access to updated pod", new NetpolModel(Map.of(), Map.of("x/a", Map.of("target", "isolated"))),
                isolateTarget, TCP, 80, e -> e.allIngress("x/a", false));
        add("should deny egress from pods based on PodSelector", np("x", "deny-egress-pod-a", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        """), TCP, 80, e -> e.allEgress("x/a", false));
        add("should deny egress from all pods in a namespace", np("x", "deny-egress-ns-x", """
                        podSelector: {}
                        policyTypes: [Egress]
                        """), TCP, 80, e -> e.peer("x", null, null, null, false));
        String together = np("x", "allow-client-a-via-pod-selector", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - podSelector: {matchLabels: {pod: b}}
                egress:
                - ports:
                  - port: 80
                policyTypes: [Egress, Ingress]
                """);
        add("should work with Ingress, Egress specified together", together, TCP, 80,
                e -> e.allIngress("x/a", false).expect("x/b", "x/a", true));
        add("should work with Ingress, Egress specified together (81)", together, TCP, 81,
                e -> e.allIngress("x/a", false).allEgress("x/a", false).expect("x/b", "x/a", true));
        add("should support denying of egress traffic on the client side (even if the server explicitly allows this "
                + "traffic)", np("x", "allow-to-ns-y-pod-a", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress:
                        - to:
                          - namespaceSelector: {matchLabels: {ns: y}}
                            podSelector: {matchLabels: {pod: a}}
                        """) + np("y", "allow-from-xa-on-ya-match-selector", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector: {matchLabels: {ns: x}}
                            podSelector: {matchLabels: {pod: a}}
                        """) + np("y", "allow-from-xa-on-yb-match-selector", """
                        podSelector: {matchLabels: {pod: b}}
                        ingress:
                        - from:
                          - namespaceSelector: {matchLabels: {ns: x}}
                            podSelector: {matchLabels: {pod: a}}
                        """), TCP, 80,
                e -> e.allEgress("x/a", false).allIngress("y/a", false).expect("x/a", "y/a", true)
                        .allIngress("y/b", false));
        add("should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and "
                + "NamespaceSelector", np("x", "allow-to-ns-y-pod-a", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress:
                        - to:
                          - namespaceSelector: {matchLabels: {ns: y}}
                            podSelector: {matchLabels: {pod: a}}
                        """), TCP, 80, e -> e.allEgress("x/a", false).expect("x/a", "y/a", true));
        String byProto = np("x", "allow-ingress-by-proto", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - ports:
                  - protocol: TCP
                """);
        add("should enforce ingress policy allowing any port traffic to a server on a specific protocol", byProto, TCP, 80,
                e -> e);
        add("should enforce ingress policy allowing any port traffic to a server on a specific protocol (UDP)", byProto,
                UDP, 80, e -> e.allIngress("x/a", false));
        String only80 = np("x", "allow-ingress-port-80", """
                podSelector: {}
                ingress:
                - ports:
                  - port: 80
                """);
        add("should enforce multiple ingress policies with ingress allow-all policy taking precedence (80 only)", only80,
                TCP, 81, e -> e.peer(null, null, "x", null, false));
        add("should enforce multiple ingress policies with ingress allow-all policy taking precedence",
                only80 + np("x", "allow-ingress", """
                        podSelector: {}
                        ingress:
                        - {}
                        """), TCP, 81, e -> e);
        String egress80 = np("x", "allow-egress-port-80", """
                podSelector: {}
                policyTypes: [Egress]
                egress:
                - ports:
                  - port: 80
                """);
        add("should enforce multiple egress policies with egress allow-all policy taking precedence (80 only)", egress80,
                TCP, 81, e -> e.peer("x", null, null, null, false));
        add("should enforce multiple egress policies with egress allow-all policy taking precedence",
                egress80 + np("x", "allow-egress", """
                        podSelector: {}
                        policyTypes: [Egress]
                        egress:
                        - {}
                        """), TCP, 81, e -> e);
        add("should stop enforcing policies after they are deleted (while there)", DENY_ALL_X, TCP, 80,
                e -> e.peer("x", null, null, null, false).peer(null, null, "x", null, false));
        add("should stop enforcing policies after they are deleted", "", TCP, 80, e -> e);
        add("should allow egress access to server in CIDR block", np("x", "allow-client-a-via-cidr-egress-rule", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress:
                        - to:
                          - ipBlock: {cidr: 10.244.2.11/32}
                        """), TCP, 80, e -> e.allEgress("x/a", false).expect("x/a", "y/b", true));
        String cidrExcept = np("x", "allow-client-a-via-cidr-egress-rule", """
                podSelector: {matchLabels: {pod: a}}
                policyTypes: [Egress]
                egress:
                - to:
                  - ipBlock: {cidr: 10.244.1.10/4, except: [10.244.1.11/32]}
                """);
        add("should enforce except clause while egress access to server in CIDR block", cidrExcept, TCP, 80,
                e -> e.expect("x/a", "x/b", false));
        add("should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed",
                cidrExcept + np("x", "allow-client-a-to-x-b-via-cidr", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress:
                        - to:
                          - ipBlock: {cidr: 10.244.1.11/32}
                        """), TCP, 80, e -> e);
        add("should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (updated policy)",
                np("x", "allow-client-a-via-cidr-egress-rule", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress:
                        - to:
                          - ipBlock: {cidr: 10.244.1.11/32}
                        """), TCP, 80, e -> e.allEgress("x/a", false).expect("x/a", "x/b", true));
        String egressForTarget = np("x", "allow-egress-for-target", """
                podSelector: {matchLabels: {pod: a}}
                policyTypes: [Egress]
                egress:
                - {}
                """);
        add("should enforce policies to check ingress and egress policies can be controlled independently based on "
                + "PodSelector (egress only)", egressForTarget, TCP, 80, e -> e);
        add("should enforce policies to check ingress and egress policies can be controlled independently based on "
                + "PodSelector", egressForTarget + np("x", "deny-ingress-via-label-selector", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Ingress]
                        """), TCP, 80, e -> e.allIngress("x/a", false));
        add("should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
                DENY_INGRESS_X + np("x", "allow-only-sctp-ingress-on-port-81", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - ports:
                          - {port: 81, protocol: SCTP}
                        """), TCP, 81, e -> e.peer(null, null, "x", null, false));
        add("should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support "
                + "SCTP", np("x", "allow-only-sctp-ingress-on-port-80", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - ports:
                          - {port: 80, protocol: SCTP}
                        """), TCP, 81, e -> e.allIngress("x/a", false));
        String udp81 = np("x", "allow-only-udp-ingress-on-port-81", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - ports:
                  - {port: 81, protocol: UDP}
                """);
        add("should not allow access by TCP when a policy specifies only UDP", udp81, TCP, 81, e -> e.allIngress("x/a", false));
        add("should not allow access by TCP when a policy specifies only UDP (UDP is allowed)", udp81, UDP, 81, e -> e);
        add("should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label",
                np("x", "allow-client-a-via-ns-selector-for-immutable-ns-label", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}
                        """), TCP, 80, e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("should enforce policy based on NamespaceSelector with MatchExpressions using default ns label",
                np("x", "allow-ns-y-match-selector-for-immutable-ns-label", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        egress:
                        - to:
                          - namespaceSelector:
                              matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [y]}]
                        """), TCP, 80, e -> e.peer("x", "a", "y", null, false));

        // ---- ours: each selector operator
        add("podSelector NotIn: every pod of the namespace but b", np("x", "not-b", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector:
                              matchExpressions: [{key: pod, operator: NotIn, values: [b]}]
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).expect("x/a", "x/a", true).expect("x/c", "x/a", true));
        add("podSelector Exists: every pod with the key, of the policy's namespace only", np("x", "has-pod", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector:
                              matchExpressions: [{key: pod, operator: Exists}]
                        """), TCP, 80, e -> e.peer("y", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("podSelector DoesNotExist: the pods without the key", new NetpolModel(Map.of(),
                Map.of("x/b", Map.of("tier", "web"))), np("x", "no-tier", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector:
                              matchExpressions: [{key: tier, operator: DoesNotExist}]
                        """), TCP, 80, e -> e.allIngress("x/a", false).expect("x/a", "x/a", true).expect("x/c", "x/a", true));
        add("namespaceSelector Exists and DoesNotExist", new NetpolModel(Map.of("z", Map.of("team", "blue")), Map.of()),
                np("x", "ns-with-team", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchExpressions: [{key: team, operator: Exists}]
                        """) + np("x", "ns-without-team-pod-b", """
                        podSelector: {matchLabels: {pod: b}}
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchExpressions: [{key: team, operator: DoesNotExist}]
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).peer("z", null, "x", "a", true).peer("z", null, "x", "b", false));
        add("matchLabels and matchExpressions of one selector are ANDed", np("x", "and", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - namespaceSelector: {}
                            podSelector:
                              matchLabels: {pod: b}
                              matchExpressions: [{key: pod, operator: In, values: [b, c]}]
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).peer(null, "b", "x", "a", true));

        // ---- ours: selection, defaulting, additivity
        add("a policy's podSelector selects pods of its own namespace only", np("y", "deny-all-y", """
                        podSelector: {}
                        policyTypes: [Ingress]
                        """), TCP, 80, e -> e.peer(null, null, "y", null, false));
        add("policyTypes defaulting: ingress rules only isolate ingress only", np("x", "from-b", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector: {matchLabels: {pod: b}}
                        """), TCP, 80, e -> e.allIngress("x/a", false).expect("x/b", "x/a", true));
        add("policyTypes defaulting: egress rules make it Ingress and Egress (ingress then denies all)",
                np("x", "egress-to-b", """
                        podSelector: {matchLabels: {pod: a}}
                        egress:
                        - to:
                          - podSelector: {matchLabels: {pod: b}}
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).allEgress("x/a", false).expect("x/a", "x/b", true));
        add("policyTypes [Egress] leaves ingress alone even with ingress rules", np("x", "egress-only", """
                        podSelector: {matchLabels: {pod: a}}
                        policyTypes: [Egress]
                        ingress:
                        - from:
                          - podSelector: {matchLabels: {pod: b}}
                        egress: []
                        """), TCP, 80, e -> e.allEgress("x/a", false));
        add("additive: two policies selecting the same pod allow the union", np("x", "from-b", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector: {matchLabels: {pod: b}}
                        """) + np("x", "from-y", """
                        podSelector: {}
                        ingress:
                        - from:
                          - namespaceSelector: {matchLabels: {ns: y}}
                        """), TCP, 80,
                e -> e.peer(null, null, "x", null, false).peer("y", null, "x", null, true).expect("x/b", "x/a", true));
        add("additive: a second rule of one policy", np("x", "two-rules", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - podSelector: {matchLabels: {pod: b}}
                        - from:
                          - namespaceSelector: {matchLabels: {ns: z}}
                            podSelector: {matchLabels: {pod: c}}
                        """), TCP, 80,
                e -> e.allIngress("x/a", false).expect("x/b", "x/a", true).expect("z/c", "x/a", true));
        add("no policies: everything is allowed", "", UDP, 81, e -> e);

        // ---- ours: ipBlock on pod IPs, endPort, protocol-only rules, ICMP
        add("ingress ipBlock with except, on pod IPs", np("x", "from-cidr", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - from:
                          - ipBlock: {cidr: 10.244.0.0/16, except: [10.244.2.0/24, 10.244.3.12/32]}
                        """), TCP, 80, e -> e.peer("y", null, "x", "a", false).expect("z/c", "x/a", false));
        String range = np("x", "range-from-y", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - namespaceSelector: {matchLabels: {ns: y}}
                  ports:
                  - {port: 81, endPort: 90}
                """);
        add("endPort: the first port of the range", range, TCP, 81,
                e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("endPort: the last port of the range", range, TCP, 90,
                e -> e.peer("x", null, "x", "a", false).peer("z", null, "x", "a", false));
        add("endPort: below the range", range, TCP, 80, e -> e.allIngress("x/a", false));
        add("endPort: above the range", range, TCP, 91, e -> e.allIngress("x/a", false));
        add("endPort: the range is TCP (the default protocol), not UDP", range, UDP, 85, e -> e.allIngress("x/a", false));
        String udpOnly = np("x", "udp-only", """
                podSelector: {}
                ingress:
                - ports:
                  - protocol: UDP
                """);
        add("protocol without port: every UDP port", udpOnly, UDP, 4789, e -> e);
        add("protocol without port: no TCP", udpOnly, TCP, 80, e -> e.peer(null, null, "x", null, false));
        add("protocol without port: no ICMP", udpOnly, ICMP, 0, e -> e.peer(null, null, "x", null, false));
        String fromB = np("x", "from-b", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - podSelector: {matchLabels: {pod: b}}
                """);
        add("ICMP: a rule without ports allows it", fromB, ICMP, 0,
                e -> e.allIngress("x/a", false).expect("x/b", "x/a", true));
        add("ICMP: a rule with ports does not", np("x", "port-80", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - ports:
                          - port: 80
                        """), ICMP, 0, e -> e.allIngress("x/a", false));
        add("ICMP: default deny egress denies it", np("x", "deny-egress", """
                        podSelector: {}
                        policyTypes: [Egress]
                        """), ICMP, 0, e -> e.peer("x", null, null, null, false));
        add("named port with the other protocol matches nothing", np("x", "udp-name-on-tcp", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - ports:
                          - {port: serve-80-udp, protocol: TCP}
                        """), TCP, 80, e -> e.allIngress("x/a", false));
        add("named port, UDP", np("x", "udp-name", """
                        podSelector: {matchLabels: {pod: a}}
                        ingress:
                        - ports:
                          - {port: serve-80-udp, protocol: UDP}
                        """), UDP, 80, e -> e);
    }

    static Stream<Arguments> cases() {
        return CASES.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void truthTable(Case c) {
        PolicySet set = Manifests.compile(c.policies());
        Reachability r = set.reachability(c.model().pods(), c.protocol(), c.port());
        c.expected().assertMatches(r, c.name() + "\n" + r.render());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theSameAnswerEveryTimeAndFromEitherEnd(Case c) {
        // A second evaluation uses each pod's remembered selection: it must agree with the first.
        PolicySet set = Manifests.compile(c.policies());
        List<Peer> pods = c.model().pods();
        Reachability first = set.reachability(pods, c.protocol(), c.port());
        Reachability second = set.reachability(pods, c.protocol(), c.port());
        assertEquals(first.render(), second.render());
        for (Peer from : pods) {
            for (Peer to : pods) {
                PolicySet.Decision d = set.decide(from, to, c.protocol(), c.port());
                assertEquals(first.allowed(Reachability.label(from), Reachability.label(to)), d.allowed(), d.reason());
            }
        }
    }
}
