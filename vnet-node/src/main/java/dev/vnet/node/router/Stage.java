package dev.vnet.node.router;

import dev.vnet.core.packet.PacketContext;

/**
 * One step of the router's {@link Pipeline}, with one job: steer DNS, translate Services, route. It reads and
 * rewrites the packet through its parsed context and answers with a {@link Verdict}; the pipeline counts what
 * it did, captures around it and records its decision in traces, so a stage holds none of that itself.
 *
 * <p>A stage puts its decision into words only for a traced packet ({@link PacketContext#traced}), with
 * {@link PacketContext#say}, and may name how the journey ended with {@link PacketContext#end}. It never
 * allocates otherwise, and never throws on a bad packet: it drops it with a reason.
 */
public interface Stage {
    /** The name traces show for this stage ("dns", "service", "router"), as lab checks name it. */
    String name();

    /** Decides about one packet, at time {@code now}. Called on data-path threads, concurrently. */
    Verdict process(PacketContext packet, long now);

    /**
     * The capture point around this stage: captures at "{point}-before" and "{point}-after" see each packet
     * it is given and what it left of it; null (the default) for none.
     */
    default String capturePoint() {
        return null;
    }

    /** The comment a capture after this stage carries: by default the verdict's name. */
    default String captureComment(Verdict verdict, PacketContext packet) {
        return verdict.name();
    }
}
