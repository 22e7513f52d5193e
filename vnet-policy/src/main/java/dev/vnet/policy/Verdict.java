package dev.vnet.policy;

import java.util.List;

/**
 * What policy decided for one new connection in one direction, and why:
 * <ul>
 *   <li>{@code not isolated: no policy selects x/a for ingress} — no policy selecting the pod has this
 *       direction in its policyTypes, so everything is allowed;</li>
 *   <li>{@code allowed by x/api-allow ingress rule 1 (from podSelector role=frontend, port 8080/TCP)} — the
 *       first rule, in policy order (namespace/name) and then rule order, that allows the connection; rule
 *       numbers count from 1, as a learner counts the items of {@code ingress:} or {@code egress:};</li>
 *   <li>{@code denied: selected by x/deny-all, no ingress rule allows y/b (10.244.2.11) → 80/TCP}.</li>
 * </ul>
 * A verdict holds references only; its text is made when asked for ({@link #reason}), off the data path.
 */
public final class Verdict {
    /** The three answers. */
    public enum Outcome { NOT_ISOLATED, ALLOWED, DENIED }

    private final Outcome outcome;
    private final Direction direction;
    private final List<String> selectedBy;
    private final CompiledPolicy policy;
    private final int rule;       // 0-based index into the direction's rules, -1 if none
    private final int hit;        // CompiledPolicy.Rule#match's answer
    private final Peer src;
    private final Peer dst;
    private final int protocol;
    private final int port;
    private final String fixed;   // the text of a not-isolated verdict, made once per pod

    private Verdict(Outcome outcome, Direction direction, List<String> selectedBy, CompiledPolicy policy, int rule,
                    int hit, Peer src, Peer dst, int protocol, int port, String fixed) {
        this.outcome = outcome;
        this.direction = direction;
        this.selectedBy = selectedBy;
        this.policy = policy;
        this.rule = rule;
        this.hit = hit;
        this.src = src;
        this.dst = dst;
        this.protocol = protocol;
        this.port = port;
        this.fixed = fixed;
    }

    /** Ingress to, or egress from, an address that is no pod's: no policy can select it. */
    static final Verdict INGRESS_NOT_A_POD = notIsolated(Direction.INGRESS,
            "not isolated: the destination is not a pod, no policy selects it");
    static final Verdict EGRESS_NOT_A_POD = notIsolated(Direction.EGRESS,
            "not isolated: the source is not a pod, no policy selects it");

    static Verdict notIsolated(Direction d, Peer pod) {
        return notIsolated(d, "not isolated: no policy selects " + pod.namespace() + "/" + pod.name() + " for "
                + d.label());
    }

    private static Verdict notIsolated(Direction d, String text) {
        return new Verdict(Outcome.NOT_ISOLATED, d, List.of(), null, -1, 0, null, null, 0, 0, text);
    }

    static Verdict allowed(Direction d, List<String> selectedBy, CompiledPolicy p, int rule, int hit, Peer src,
                           Peer dst, int protocol, int port) {
        return new Verdict(Outcome.ALLOWED, d, selectedBy, p, rule, hit, src, dst, protocol, port, null);
    }

    static Verdict denied(Direction d, List<String> selectedBy, Peer src, Peer dst, int protocol, int port) {
        return new Verdict(Outcome.DENIED, d, selectedBy, null, -1, 0, src, dst, protocol, port, null);
    }

    /** True unless denied. */
    public boolean allowed() {
        return outcome != Outcome.DENIED;
    }

    public Outcome outcome() {
        return outcome;
    }

    public Direction direction() {
        return direction;
    }

    /** The policies ("namespace/name", in order) that select the pod for this direction; empty if not isolated. */
    public List<String> selectedBy() {
        return selectedBy;
    }

    /** The policy whose rule allowed the connection ("namespace/name"), or null. */
    public String policy() {
        return policy == null ? null : policy.id;
    }

    /** The number of the rule that allowed the connection, counted from 1 in its direction's list; 0 if none. */
    public int rule() {
        return rule + 1;
    }

    /** The one-line explanation (see the class comment). */
    public String reason() {
        return switch (outcome) {
            case NOT_ISOLATED -> fixed;
            case ALLOWED -> {
                CompiledPolicy.Rule r = policy.rules(direction)[rule];
                yield "allowed by " + policy.id + " " + direction.label() + " rule " + (rule + 1) + " ("
                        + r.describePeer(direction, hit >>> 16) + ", " + r.describePort(hit & 0xffff, port) + ")";
            }
            case DENIED -> "denied: selected by " + String.join(", ", selectedBy) + ", no " + direction.label()
                    + " rule allows " + (direction == Direction.INGRESS
                            ? src + " → " + Texts.portOf(protocol, port)
                            : "→ " + dst + " " + Texts.portOf(protocol, port));
        };
    }

    @Override
    public String toString() {
        return reason();
    }
}
