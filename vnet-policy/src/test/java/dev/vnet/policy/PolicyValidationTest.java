package dev.vnet.policy;

import static dev.vnet.policy.PolicySetTest.np;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the API server refuses, one line each naming the field path; and that compiling what it refuses never
 * throws and lets nothing more in.
 */
class PolicyValidationTest {

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: 80
                          - {port: 80, protocol: SCTP}
                        """, "spec.ingress[0].ports[1].protocol: \"SCTP\" is not supported: TCP or UDP"),
                Arguments.of("""
                        podSelector: {}
                        egress:
                        - ports:
                          - {port: 53, protocol: udp}
                        """, "spec.egress[0].ports[0].protocol: \"udp\" is not supported: TCP or UDP"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: 0
                        """, "spec.ingress[0].ports[0].port: 0 must be between 1 and 65535, inclusive (or a port name)"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: 65536
                        """, "spec.ingress[0].ports[0].port: 65536 must be between 1 and 65535, inclusive (or a port name)"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - {port: 80, endPort: 79}
                        """, "spec.ingress[0].ports[0].endPort: 79 must be greater than or equal to port (80)"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - {port: 80, endPort: 70000}
                        """, "spec.ingress[0].ports[0].endPort: 70000 must be between 1 and 65535, inclusive"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - {port: http, endPort: 90}
                        """, "spec.ingress[0].ports[0].endPort: may not be given when port is a name (\"http\")"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - {protocol: TCP, endPort: 90}
                        """, "spec.ingress[0].ports[0].endPort: may not be given without port"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: HTTP
                        """, "spec.ingress[0].ports[0].port: \"HTTP\" is not a port number or name: a name has only "
                        + "lower-case letters, digits and hyphens"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: a-very-long-port-name
                        """, "spec.ingress[0].ports[0].port: \"a-very-long-port-name\" is not a port number or name: "
                        + "a name has at most 15 characters"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: "8080"
                        """, "spec.ingress[0].ports[0].port: \"8080\" is not a port number or name: a name has at "
                        + "least one letter"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: web--ui
                        """, "spec.ingress[0].ports[0].port: \"web--ui\" is not a port number or name: a name has no "
                        + "consecutive hyphens"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - ports:
                          - port: web-
                        """, "spec.ingress[0].ports[0].port: \"web-\" is not a port number or name: a name does not "
                        + "begin or end with a hyphen"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - {}
                        """, "spec.ingress[0].from[0]: must specify a peer: podSelector, namespaceSelector or ipBlock"),
                Arguments.of("""
                        podSelector: {}
                        egress:
                        - to:
                          - podSelector: {}
                          - ipBlock: {cidr: 10.0.0.0/8}
                            namespaceSelector: {}
                        """, "spec.egress[0].to[1]: may not specify both ipBlock and another peer (use two peers)"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - ipBlock: {cidr: 10.0.0.0/33}
                        """, "spec.ingress[0].from[0].ipBlock.cidr: \"10.0.0.0/33\" is not a valid IPv4 CIDR (like 10.0.0.0/8)"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - ipBlock: {cidr: 10.0.0.0}
                        """, "spec.ingress[0].from[0].ipBlock.cidr: \"10.0.0.0\" is not a valid IPv4 CIDR (like 10.0.0.0/8)"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - ipBlock: {cidr: "fd00::/8"}
                        """, "spec.ingress[0].from[0].ipBlock.cidr: \"fd00::/8\" is IPv6: vnet's networks are IPv4 only"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - ipBlock: {cidr: ""}
                        """, "spec.ingress[0].from[0].ipBlock.cidr: required, an IPv4 CIDR like 10.0.0.0/8"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}
                        """, "spec.ingress[0].from[0].ipBlock.except[0]: \"10.1.0.0/24\" must be a strict subset of cidr "
                        + "10.0.0.0/16"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/24, 10.0.0.0/16]}
                        """, "spec.ingress[0].from[0].ipBlock.except[1]: \"10.0.0.0/16\" must be a strict subset of cidr "
                        + "10.0.0.0/16"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.300.0/24]}
                        """, "spec.ingress[0].from[0].ipBlock.except[0]: \"10.0.300.0/24\" is not a valid IPv4 CIDR "
                        + "(like 10.0.0.0/8)"),
                Arguments.of("""
                        podSelector: {}
                        policyTypes: [ingress]
                        """, "spec.policyTypes[0]: \"ingress\" is not supported: Ingress or Egress"),
                Arguments.of("""
                        podSelector: {}
                        policyTypes: [Ingress, Egress, Ingress]
                        """, "spec.policyTypes: may list at most two types (Ingress, Egress), got 3"),
                Arguments.of("""
                        podSelector:
                          matchExpressions: [{key: pod, operator: In}]
                        """, "spec.podSelector.matchExpressions[0].values: must be given when operator is In or NotIn"),
                Arguments.of("""
                        podSelector:
                          matchExpressions: [{key: pod, operator: Exists, values: [a]}]
                        """, "spec.podSelector.matchExpressions[0].values: may not be given when operator is Exists or "
                        + "DoesNotExist"),
                Arguments.of("""
                        podSelector:
                          matchExpressions: [{key: pod, operator: Like, values: [a]}]
                        """, "spec.podSelector.matchExpressions[0].operator: \"Like\" is not a selector operator: In, "
                        + "NotIn, Exists or DoesNotExist"),
                Arguments.of("""
                        podSelector: {}
                        ingress:
                        - from:
                          - namespaceSelector:
                              matchExpressions: [{key: "-bad", operator: Exists}]
                        """, "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].key: \"-bad\" is not a valid "
                        + "label key: the name part has at most 63 letters, digits, '-', '_' or '.', and starts and "
                        + "ends with a letter or digit"),
                Arguments.of("""
                        podSelector:
                          matchLabels: {"Example.com/app": web}
                        """, "spec.podSelector.matchLabels: \"Example.com/app\" is not a valid label key: the prefix "
                        + "before '/' must be a DNS subdomain, like example.com"),
                Arguments.of("""
                        podSelector:
                          matchLabels: {app: "web shop"}
                        """, "spec.podSelector.matchLabels: \"web shop\" is not a valid value for app: a value has at "
                        + "most 63 letters, digits, '-', '_' or '.', and starts and ends with a letter or digit"),
                Arguments.of("""
                        podSelector:
                          matchExpressions: [{key: app, operator: In, values: [ok, "not ok"]}]
                        """, "spec.podSelector.matchExpressions[0].values[1]: \"not ok\" is not a valid label value: a "
                        + "value has at most 63 letters, digits, '-', '_' or '.', and starts and ends with a letter or "
                        + "digit"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusals")
    void eachRefusalIsOneLineNamingThePath(String spec, String expected) {
        var policy = Manifests.policy(np("x", "bad", spec));
        assertEquals(List.of(expected), PolicyValidation.validate(policy));
        assertFalse(expected.contains("\n"));
        // Compiling what the API server would refuse never throws, whatever it means.
        PolicySet set = assertDoesNotThrow(() -> PolicySet.compile(List.of(policy)));
        NetpolModel m = new NetpolModel();
        assertDoesNotThrow(() -> set.reachability(m.pods(), PolicySetTest.TCP, 80));
    }

    @Test
    void everyProblemIsReported() {
        var policy = Manifests.policy(np("x", "bad", """
                podSelector: {}
                ingress:
                - ports:
                  - {port: 0, protocol: SCTP}
                egress:
                - to:
                  - {}
                """));
        assertEquals(List.of("spec.ingress[0].ports[0].protocol: \"SCTP\" is not supported: TCP or UDP",
                "spec.ingress[0].ports[0].port: 0 must be between 1 and 65535, inclusive (or a port name)",
                "spec.egress[0].to[0]: must specify a peer: podSelector, namespaceSelector or ipBlock"),
                PolicyValidation.validate(policy));
    }

    @Test
    void whatKubernetesAcceptsIsAccepted() {
        var policy = Manifests.policy(np("x", "good", """
                podSelector:
                  matchLabels: {app.kubernetes.io/name: web, tier: ""}
                  matchExpressions:
                  - {key: env, operator: NotIn, values: [dev]}
                  - {key: legacy, operator: DoesNotExist}
                policyTypes: [Ingress, Egress]
                ingress:
                - from:
                  - namespaceSelector: {}
                    podSelector: {matchLabels: {role: frontend}}
                  - ipBlock: {cidr: 10.244.1.7/24, except: [10.244.1.128/25, 10.244.1.7/32]}
                  ports:
                  - port: 80
                  - {port: http, protocol: TCP}
                  - {port: 8000, endPort: 8080}
                  - protocol: UDP
                egress:
                - {}
                """));
        assertEquals(List.of(), PolicyValidation.validate(policy));
        assertTrue(PolicyValidation.validate(Manifests.policy(np("x", "empty", "{}"))).isEmpty());
    }

    @Test
    void invalidPartsOfAStoredPolicyMatchNothing() {
        // Each port entry and peer below is one the API server refuses: none of them lets anything in, so the
        // selected pod stays isolated (fail closed), and the valid rule next to them still works.
        PolicySet set = Manifests.compile(np("x", "broken", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - ports:
                  - {port: 80, protocol: SCTP}
                  - {port: 0}
                  - {port: 90, endPort: 80}
                  - {port: serve-80-tcp, endPort: 90}
                  - {endPort: 90}
                  - {protocol: sctp}
                - from:
                  - {}
                  - ipBlock: {cidr: 10.0.0.0/8}
                    podSelector: {}
                  - ipBlock: {cidr: "fd00::/8"}
                  - ipBlock: {cidr: nonsense}
                  - podSelector:
                      matchExpressions: [{key: pod, operator: Like, values: [b]}]
                  - podSelector:
                      matchExpressions: [{key: pod, operator: In}]
                - from:
                  - podSelector: {matchLabels: {pod: c}}
                """));
        NetpolModel m = new NetpolModel();
        Expected e = new Expected().allIngress("x/a", false).expect("x/c", "x/a", true);
        e.assertMatches(set.reachability(m.pods(), PolicySetTest.TCP, 80), "broken policy");
        e.assertMatches(set.reachability(m.pods(), PolicySetTest.TCP, 90), "broken policy, port 90");
    }

    @Test
    void selectorsWithoutValuesReadByTheirPlainMeaning() {
        // NotIn with no values excludes nothing: every pod of x.
        PolicySet set = Manifests.compile(np("x", "notin-nothing", """
                podSelector: {matchLabels: {pod: a}}
                ingress:
                - from:
                  - podSelector:
                      matchExpressions: [{key: pod, operator: NotIn}]
                """));
        new Expected().peer("y", null, "x", "a", false).peer("z", null, "x", "a", false)
                .assertMatches(set.reachability(new NetpolModel().pods(), PolicySetTest.TCP, 80), "NotIn []");
    }
}
