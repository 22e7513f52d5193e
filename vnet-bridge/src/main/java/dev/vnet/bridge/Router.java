package dev.vnet.bridge;

import dev.vnet.core.packet.DropReason;
import java.nio.ByteBuffer;

/**
 * What the gateway does with an IPv4 packet that is not addressed to the gateway itself.
 * The node's router implements it (local subnet, overlay, node TUN); a lone bridge drops with NO_ROUTE.
 */
@FunctionalInterface
public interface Router {
    /**
     * Routes the Ethernet frame in {@code [0, length)} of {@code frame} (borrowed, do not modify).
     * Returns {@link DropReason#NONE} if it was sent on, else why it was dropped.
     */
    DropReason route(ByteBuffer frame, int length, long now);

    Router NONE = (frame, length, now) -> DropReason.NO_ROUTE;
}
