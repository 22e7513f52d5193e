package dev.vnet.policy;

import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.List;

/**
 * One NetworkPolicy as the engine evaluates it: its namespace and name, the compiled pod selector, the
 * directions it isolates ({@code policyTypes} after Kubernetes' defaulting) and its rules per direction, in
 * the order the manifest lists them. Immutable; built from a copy of what the resource says, so later changes
 * to the (mutable) fabric8 object do not reach it.
 */
final class CompiledPolicy {
    final String namespace;
    final String name;
    /** "namespace/name". */
    final String id;
    final Selector podSelector;
    final boolean isolatesIngress;
    final boolean isolatesEgress;
    final Rule[] ingress;
    final Rule[] egress;

    private CompiledPolicy(String namespace, String name, Selector podSelector, boolean isolatesIngress,
                           boolean isolatesEgress, Rule[] ingress, Rule[] egress) {
        this.namespace = namespace;
        this.name = name;
        this.id = namespace + "/" + name;
        this.podSelector = podSelector;
        this.isolatesIngress = isolatesIngress;
        this.isolatesEgress = isolatesEgress;
        this.ingress = ingress;
        this.egress = egress;
    }

    /** Never throws, whatever the policy says (see the matchers for what invalid parts mean). */
    static CompiledPolicy compile(NetworkPolicy np) {
        String namespace = np.getMetadata() == null || empty(np.getMetadata().getNamespace()) ? "default"
                : np.getMetadata().getNamespace();
        String name = np.getMetadata() == null || np.getMetadata().getName() == null ? "" : np.getMetadata().getName();
        NetworkPolicySpec spec = np.getSpec() == null ? new NetworkPolicySpec() : np.getSpec();
        Selector selector = spec.getPodSelector() == null ? Selector.ALL : Selector.compile(spec.getPodSelector());
        List<NetworkPolicyIngressRule> in = spec.getIngress() == null ? List.of() : spec.getIngress();
        List<NetworkPolicyEgressRule> out = spec.getEgress() == null ? List.of() : spec.getEgress();
        Rule[] ingress = in.stream().map(r -> r == null ? Rule.ANY : Rule.compile(namespace, r.getFrom(), r.getPorts()))
                .toArray(Rule[]::new);
        Rule[] egress = out.stream().map(r -> r == null ? Rule.ANY : Rule.compile(namespace, r.getTo(), r.getPorts()))
                .toArray(Rule[]::new);
        // Kubernetes' defaulting (SetDefaults_NetworkPolicySpec): without policyTypes a policy isolates
        // ingress always, and egress only if it has egress rules.
        List<String> types = spec.getPolicyTypes();
        boolean isolatesIngress;
        boolean isolatesEgress;
        if (types == null || types.isEmpty()) {
            isolatesIngress = true;
            isolatesEgress = egress.length > 0;
        } else {
            isolatesIngress = types.contains("Ingress");
            isolatesEgress = types.contains("Egress");
        }
        return new CompiledPolicy(namespace, name, selector, isolatesIngress, isolatesEgress, ingress, egress);
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    boolean isolates(Direction d) {
        return d == Direction.INGRESS ? isolatesIngress : isolatesEgress;
    }

    Rule[] rules(Direction d) {
        return d == Direction.INGRESS ? ingress : egress;
    }

    @Override
    public String toString() {
        return id;
    }

    /** One ingress or egress rule: its peers (none: any peer) and its ports (none: every port and protocol). */
    static final class Rule {
        /** No match; otherwise {@link #match} returns (peer index + 1) << 16 | (port index + 1), 0 for "any". */
        static final int NO_MATCH = -1;
        static final Rule ANY = new Rule(new PeerMatch[0], new PortMatch[0]);

        final PeerMatch[] peers;
        final PortMatch[] ports;

        private Rule(PeerMatch[] peers, PortMatch[] ports) {
            this.peers = peers;
            this.ports = ports;
        }

        static Rule compile(String namespace, List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports) {
            PeerMatch[] p = peers == null ? new PeerMatch[0]
                    : peers.stream().map(x -> PeerMatch.compile(namespace, x)).toArray(PeerMatch[]::new);
            PortMatch[] q = ports == null ? new PortMatch[0]
                    : ports.stream().filter(x -> x != null).map(PortMatch::compile).toArray(PortMatch[]::new);
            return new Rule(p, q);
        }

        /**
         * Whether this rule lets {@code peer} (the source for ingress, the destination for egress) connect with
         * this protocol to this port of {@code dst} (whose containers name the named ports). {@code peerBits}
         * are the peer's selector matches under this set (null for an address). Allocates nothing.
         */
        int match(Peer peer, long[] peerBits, Peer dst, int protocol, int port) {
            int peerHit = 0;
            if (peers.length > 0) {
                peerHit = NO_MATCH;
                for (int i = 0; i < peers.length; i++) {
                    if (peers[i].matches(peer, peerBits)) {
                        peerHit = i + 1;
                        break;
                    }
                }
                if (peerHit == NO_MATCH) {
                    return NO_MATCH;
                }
            }
            int portHit = 0;
            if (ports.length > 0) {
                portHit = NO_MATCH;
                for (int i = 0; i < ports.length; i++) {
                    if (ports[i].matches(protocol, port, dst)) {
                        portHit = i + 1;
                        break;
                    }
                }
                if (portHit == NO_MATCH) {
                    return NO_MATCH;
                }
            }
            return peerHit << 16 | portHit;
        }

        /** "from podSelector role=frontend", "to any destination"; {@code index} 0 for "any". */
        String describePeer(Direction d, int index) {
            if (index == 0) {
                return d == Direction.INGRESS ? "from any source" : "to any destination";
            }
            return d.peerField() + " " + peers[index - 1];
        }

        /** "port 8080/TCP", "any port or protocol"; {@code index} 0 for "any". */
        String describePort(int index, int port) {
            return index == 0 ? "any port or protocol" : ports[index - 1].describe(port);
        }
    }

    /**
     * One peer of a rule: pods chosen by namespace and pod selectors (ANDed; no namespaceSelector means the
     * policy's own namespace, no podSelector every pod of the chosen namespaces) or an {@code ipBlock}. A peer
     * the API server would refuse (none of the three, or ipBlock with a selector) matches nothing.
     *
     * <p>A selector peer has a number in its {@link PolicySet}: each pod's memo there holds one bit per selector
     * peer of the set, so that a rule tests a bit instead of looking labels up.
     */
    static final class PeerMatch {
        private final String namespace;   // the policy's
        private final Selector pods;
        private final Selector namespaces;
        private final CidrBlock block;
        private final boolean never;
        private final String text;
        /** The bit of this selector peer in its set's pod memos; set once, by the set's constructor. */
        int index = -1;

        private PeerMatch(String namespace, Selector pods, Selector namespaces, CidrBlock block, boolean never,
                          String text) {
            this.namespace = namespace;
            this.pods = pods;
            this.namespaces = namespaces;
            this.block = block;
            this.never = never;
            this.text = text;
        }

        static PeerMatch compile(String namespace, NetworkPolicyPeer p) {
            if (p == null) {
                return new PeerMatch(namespace, null, null, null, true, "an empty peer (matches nothing)");
            }
            Selector pods = Selector.compile(p.getPodSelector());
            Selector namespaces = Selector.compile(p.getNamespaceSelector());
            IPBlock ip = p.getIpBlock();
            if (ip != null) {
                CidrBlock block = CidrBlock.compile(ip.getCidr(), ip.getExcept());
                if (pods != null || namespaces != null) {
                    return new PeerMatch(namespace, null, null, null, true, block + " with a selector (matches nothing)");
                }
                return new PeerMatch(namespace, null, null, block, false, block.toString());
            }
            if (pods == null && namespaces == null) {
                return new PeerMatch(namespace, null, null, null, true, "an empty peer (matches nothing)");
            }
            String text = namespaces == null ? "podSelector " + pods
                    : pods == null ? "namespaceSelector " + namespaces
                    : "namespaceSelector " + namespaces + " and podSelector " + pods;
            return new PeerMatch(namespace, pods, namespaces, null, false, text);
        }

        /** True for the peers that select pods by labels (and so have a bit in the pod memos). */
        boolean isSelector() {
            return !never && block == null;
        }

        /** On the data path: an ipBlock by the address, selectors by the peer's bit (an address has none). */
        boolean matches(Peer p, long[] peerBits) {
            if (never) {
                return false;
            }
            if (block != null) {
                return block.matches(p.ip());
            }
            return peerBits != null && (peerBits[index >>> 6] & (1L << index)) != 0;
        }

        /** The selectors themselves, read once per pod and set to fill its bits. */
        boolean selects(Peer pod) {
            if (!isSelector() || !pod.isPod()) {
                return false;
            }
            if (namespaces == null ? !pod.namespace().equals(namespace) : !namespaces.matches(pod.namespaceLabels())) {
                return false;
            }
            return pods == null || pods.matches(pod.labels());
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
