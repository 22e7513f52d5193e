package dev.vnet.bridge;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.PacketContext;

/**
 * What the gateway does with an IPv4 packet that is not addressed to the gateway itself.
 * The node's router implements it (local subnet, overlay, node TUN); a lone bridge drops with NO_ROUTE.
 */
@FunctionalInterface
public interface Router {
    /**
     * Routes the packet the gateway parsed (and whose IPv4 header it checked, checksum included). The
     * context and its frame are borrowed for the call: do not modify the frame, or keep either.
     * Returns {@link DropReason#NONE} if it was sent on, else why it was dropped.
     */
    DropReason route(PacketContext packet, long now);

    Router NONE = (packet, now) -> DropReason.NO_ROUTE;
}
