package dev.vnet.policy;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every NetworkPolicy of the cluster, compiled: what the policy stage asks once per new connection. Built with
 * {@link #compile} when policies change (off the data path), immutable, safe to share between threads.
 *
 * <p>A connection from {@code src} to {@code dst} is allowed when {@link #egress} allows it on the source's
 * side and {@link #ingress} on the destination's ({@link #decide} asks both). In each direction Kubernetes'
 * rules are additive: a pod is isolated for the direction if any policy that selects it has that type, and
 * then a connection is allowed if any rule of those policies allows it; a pod no policy isolates allows
 * everything.
 */
public final class PolicySet {
    /** No policies: everything is allowed. */
    public static final PolicySet EMPTY = compile(List.of());

    private static final CompiledPolicy[] NONE = {};

    private final CompiledPolicy[] policies;
    private final Map<String, CompiledPolicy[]> byNamespace;
    /** Every selector peer of every rule, numbered: bit i of a pod's memo says whether peer i selects it. */
    private final CompiledPolicy.PeerMatch[] selectorPeers;

    private PolicySet(CompiledPolicy[] policies) {
        this.policies = policies;
        List<CompiledPolicy.PeerMatch> numbered = new ArrayList<>();
        for (CompiledPolicy p : policies) {
            for (CompiledPolicy.Rule[] rules : List.of(p.ingress, p.egress)) {
                for (CompiledPolicy.Rule r : rules) {
                    for (CompiledPolicy.PeerMatch m : r.peers) {
                        if (m.isSelector()) {
                            m.index = numbered.size();
                            numbered.add(m);
                        }
                    }
                }
            }
        }
        this.selectorPeers = numbered.toArray(new CompiledPolicy.PeerMatch[0]);
        Map<String, List<CompiledPolicy>> grouped = new HashMap<>();
        for (CompiledPolicy p : policies) {
            grouped.computeIfAbsent(p.namespace, k -> new ArrayList<>()).add(p);
        }
        Map<String, CompiledPolicy[]> index = new HashMap<>();
        grouped.forEach((ns, list) -> index.put(ns, list.toArray(NONE)));
        this.byNamespace = index;
    }

    /**
     * Compiles the policies (in namespace/name order, which is the order verdicts name them in). Validates
     * nothing and never throws on a stored policy: what the API server would refuse matches nothing (see
     * {@link PolicyValidation} for the check to run before storing).
     */
    public static PolicySet compile(List<NetworkPolicy> policies) {
        CompiledPolicy[] compiled = policies.stream().filter(p -> p != null).map(CompiledPolicy::compile)
                .sorted(Comparator.comparing((CompiledPolicy p) -> p.namespace).thenComparing(p -> p.name))
                .toArray(CompiledPolicy[]::new);
        return new PolicySet(compiled);
    }

    /** How many policies. */
    public int size() {
        return policies.length;
    }

    /** The policies' ids ("namespace/name"), in evaluation order. */
    public List<String> policyIds() {
        return Arrays.stream(policies).map(p -> p.id).toList();
    }

    /**
     * Whether {@code dst} accepts a new connection from {@code src}: the ingress side, evaluated where the
     * destination pod lives. {@code protocol} is the IPv4 protocol number, {@code port} the destination port
     * (ignored for protocols without ports, such as ICMP). Allocates at most the verdict.
     */
    public Verdict ingress(Peer src, Peer dst, int protocol, int port) {
        if (!dst.isPod()) {
            return Verdict.INGRESS_NOT_A_POD;
        }
        Selection s = selection(dst);
        if (s.ingress.length == 0) {
            return s.notIsolatedIngress;
        }
        return evaluate(Direction.INGRESS, s.ingress, s.ingressIds, src, dst, src, protocol, port);
    }

    /**
     * Whether {@code src} may open a new connection to {@code dst}: the egress side, evaluated where the source
     * pod lives. Named ports are looked up on {@code dst}'s containers. Allocates at most the verdict.
     */
    public Verdict egress(Peer src, Peer dst, int protocol, int port) {
        if (!src.isPod()) {
            return Verdict.EGRESS_NOT_A_POD;
        }
        Selection s = selection(src);
        if (s.egress.length == 0) {
            return s.notIsolatedEgress;
        }
        return evaluate(Direction.EGRESS, s.egress, s.egressIds, src, dst, dst, protocol, port);
    }

    /** Both sides of a new connection; allowed only if both allow it. */
    public Decision decide(Peer src, Peer dst, int protocol, int port) {
        return new Decision(egress(src, dst, protocol, port), ingress(src, dst, protocol, port));
    }

    /** The truth table over {@code pods} (from × to) for one protocol and port: {@code vnet policy matrix}. */
    public Reachability reachability(List<Peer> pods, int protocol, int port) {
        boolean[][] allowed = new boolean[pods.size()][pods.size()];
        for (int i = 0; i < pods.size(); i++) {
            for (int j = 0; j < pods.size(); j++) {
                Peer from = pods.get(i);
                Peer to = pods.get(j);
                allowed[i][j] = egress(from, to, protocol, port).allowed() && ingress(from, to, protocol, port).allowed();
            }
        }
        return new Reachability(this, List.copyOf(pods), protocol, port, allowed);
    }

    /** The rules of the policies that isolate the pod; {@code peer} is the other end (ingress: src, egress: dst). */
    private Verdict evaluate(Direction d, CompiledPolicy[] selecting, List<String> ids, Peer src, Peer dst, Peer peer,
                             int protocol, int port) {
        long[] peerBits = peer.isPod() ? selection(peer).peerBits : null;
        for (CompiledPolicy p : selecting) {
            CompiledPolicy.Rule[] rules = p.rules(d);
            for (int r = 0; r < rules.length; r++) {
                int hit = rules[r].match(peer, peerBits, dst, protocol, port);
                if (hit != CompiledPolicy.Rule.NO_MATCH) {
                    return Verdict.allowed(d, ids, p, r, hit, src, dst, protocol, port);
                }
            }
        }
        return Verdict.denied(d, ids, src, dst, protocol, port);
    }

    /** Which policies select this pod, from its memo if this set made it, else computed and remembered. */
    private Selection selection(Peer pod) {
        Selection s = pod.selection();
        if (s == null || s.set != this) {
            s = select(pod);
            pod.remember(s);
        }
        return s;
    }

    private Selection select(Peer pod) {
        CompiledPolicy[] local = byNamespace.getOrDefault(pod.namespace(), NONE);
        List<CompiledPolicy> in = new ArrayList<>();
        List<CompiledPolicy> out = new ArrayList<>();
        for (CompiledPolicy p : local) {
            if (p.podSelector.matches(pod.labels())) {
                if (p.isolatesIngress) {
                    in.add(p);
                }
                if (p.isolatesEgress) {
                    out.add(p);
                }
            }
        }
        long[] bits = new long[(selectorPeers.length + 63) >>> 6];
        for (int i = 0; i < selectorPeers.length; i++) {
            if (selectorPeers[i].selects(pod)) {
                bits[i >>> 6] |= 1L << i;
            }
        }
        return new Selection(this, in.toArray(NONE), out.toArray(NONE), bits, Verdict.notIsolated(Direction.INGRESS, pod),
                Verdict.notIsolated(Direction.EGRESS, pod));
    }

    /**
     * What one set found for one pod: the policies that select it per direction, in order, their ids for the
     * verdicts, which of the set's selector peers select it (one bit each), and the pod's own not-isolated
     * verdicts (so that allowing a pod no policy selects allocates nothing).
     */
    static final class Selection {
        final PolicySet set;
        final CompiledPolicy[] ingress;
        final CompiledPolicy[] egress;
        final long[] peerBits;
        final List<String> ingressIds;
        final List<String> egressIds;
        final Verdict notIsolatedIngress;
        final Verdict notIsolatedEgress;

        Selection(PolicySet set, CompiledPolicy[] ingress, CompiledPolicy[] egress, long[] peerBits,
                  Verdict notIsolatedIngress, Verdict notIsolatedEgress) {
            this.set = set;
            this.ingress = ingress;
            this.egress = egress;
            this.peerBits = peerBits;
            this.ingressIds = Arrays.stream(ingress).map(p -> p.id).toList();
            this.egressIds = Arrays.stream(egress).map(p -> p.id).toList();
            this.notIsolatedIngress = notIsolatedIngress;
            this.notIsolatedEgress = notIsolatedEgress;
        }
    }

    /**
     * Both sides of one connection: {@code vnet policy check}. Allowed if both are; the reason is the denying
     * side's (egress first, as the packet meets it first), else both sides' reasons.
     */
    public record Decision(Verdict egress, Verdict ingress) {
        public boolean allowed() {
            return egress.allowed() && ingress.allowed();
        }

        public String reason() {
            if (!egress.allowed()) {
                return egress.reason();
            }
            if (!ingress.allowed()) {
                return ingress.reason();
            }
            return "egress " + egress.reason() + "; ingress " + ingress.reason();
        }
    }
}
