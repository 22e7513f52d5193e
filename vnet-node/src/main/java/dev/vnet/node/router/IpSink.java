package dev.vnet.node.router;

import java.nio.ByteBuffer;

/** Takes bare IP packets: the node's TUN device, or a queue in tests. */
@FunctionalInterface
public interface IpSink {
    /** Sends bytes {@code [offset, offset+length)} of {@code buf} (borrowed) as one packet. */
    boolean send(ByteBuffer buf, int offset, int length);
}
