package dev.vnet.node.router;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.PacketContext;

/** What a stage did with a packet: let it go on to the next stage, send it on itself, or drop it. */
public enum Verdict {
    /** Not this stage's to end: the next stage decides. */
    CONTINUE,
    /** Sent on (into the bridge, the tunnel, the TUN) or answered: the pipeline ends here. */
    SENT,
    /** Dropped, for the reason in {@link PacketContext#dropReason()}: the pipeline ends here. */
    DROPPED;

    /** Records why {@code packet} is dropped and returns {@link #DROPPED}. */
    public static Verdict drop(PacketContext packet, DropReason reason) {
        packet.setDropReason(reason);
        return DROPPED;
    }
}
