package dev.vnet.node.router;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.PacketContext;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * Runs the packets the router makes itself (ICMP errors, echo replies from the gateway's address) through
 * its pipeline from the start, as if a local pod had sent them, each in a context of its own: so they are
 * translated, routed, captured and counted like any other packet.
 */
final class Reentry {
    private final Supplier<ContextStack> stacks;
    private final Pipeline pipeline;

    Reentry(Supplier<ContextStack> stacks, Pipeline pipeline) {
        this.stacks = stacks;
        this.pipeline = pipeline;
    }

    /** The calling thread's buffer to build the next packet in, from index 0; null when nested too deep. */
    ByteBuffer buffer() {
        return stacks.get().nextBuffer();
    }

    /** Parses the frame built in {@link #buffer()} and runs it through the pipeline; returns its verdict. */
    DropReason run(int frameLength, PacketContext.Origin origin, long now) {
        ContextStack stack = stacks.get();
        ByteBuffer buf = stack.nextBuffer();
        if (buf == null) {
            return DropReason.LOOP;
        }
        PacketContext packet = stack.push();
        try {
            DropReason bad = packet.parse(buf, 0, frameLength, origin);
            return bad != DropReason.NONE ? bad : pipeline.run(packet, now);
        } finally {
            stack.pop();
        }
    }
}
