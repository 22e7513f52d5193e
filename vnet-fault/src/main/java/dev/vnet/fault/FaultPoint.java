package dev.vnet.fault;

import java.util.List;
import java.util.Objects;

/**
 * One place of a node's data path where faults may act: a pod's port, the tunnel to one peer, or the node's
 * underlay. A port asks the {@link FaultTable} for its point once and keeps it; the table re-points the
 * point's faults whenever they change, so looking them up per frame is one volatile read.
 *
 * <p>Frames at every point are Ethernet frames. At a tunnel or the underlay it is the inner frame, before
 * VXLAN wraps it: drop filters read the inner headers, and {@code --mtu} counts the outer IP length the frame
 * has on the underlay, {@link #VXLAN_OVERHEAD} more than the inner frame.
 */
public final class FaultPoint {

    /** The kinds of point; see {@link FaultSpec.Where} for which faults each one carries. */
    public enum Kind {
        POD,
        TUNNEL,
        UNDERLAY
    }

    /** What VXLAN puts before an inner Ethernet frame on the underlay: outer IPv4 (20), UDP (8), VXLAN (8). */
    public static final int VXLAN_OVERHEAD = 20 + 8 + 8;

    static final Impairment[] NONE = new Impairment[0];

    private final Kind kind;
    private final String node;
    private final String name;
    /** The faults here, lowest id first; replaced whole by the table, never changed in place. */
    volatile Impairment[] active = NONE;

    FaultPoint(Kind kind, String node, String name) {
        this.kind = kind;
        this.node = Objects.requireNonNull(node, "node");
        this.name = name;
    }

    public Kind kind() {
        return kind;
    }

    public String node() {
        return node;
    }

    /** The pod at a pod point, the peer node at a tunnel, null at the underlay. */
    public String name() {
        return name;
    }

    /** True if some fault acts here now. */
    public boolean impaired() {
        return active.length != 0;
    }

    /** The faults acting here now, lowest id first. */
    public List<Impairment> faults() {
        return List.of(active);
    }

    /** Bytes added to the frame's length to get its IP length on the link (0 at a pod's port). */
    int linkOverhead() {
        return kind == Kind.POD ? 0 : VXLAN_OVERHEAD;
    }

    /**
     * True if {@code spec} acts at this point: a pod fault at its pod's port; a tunnel fault at the tunnel
     * from its node to its peer; an underlay fault at its node's underlay and at every tunnel of that node (the
     * tunnels are what crosses the underlay). Pauses act at no point.
     */
    boolean carries(FaultSpec spec) {
        if (!spec.touchesFrames() || !spec.node().equals(node)) {
            return false;
        }
        return switch (kind) {
            case POD -> spec.where() == FaultSpec.Where.POD && spec.pod().equals(name);
            case TUNNEL -> spec.where() == FaultSpec.Where.UNDERLAY
                    || spec.where() == FaultSpec.Where.TUNNEL && spec.peer().equals(name);
            case UNDERLAY -> spec.where() == FaultSpec.Where.UNDERLAY;
        };
    }

    /** "pod web-1 on node-1", "node-1 → node-2", "node-1's underlay". */
    @Override
    public String toString() {
        return switch (kind) {
            case POD -> "pod " + name + " on " + node;
            case TUNNEL -> node + " → " + name;
            case UNDERLAY -> node + "'s underlay";
        };
    }
}
