package dev.vnet.core.capture;

import java.nio.ByteBuffer;

/**
 * Watches packets at a named point inside a stage (before and after NAT, into and out of the TUN, VXLAN's
 * inner frames), with the stage's verdict as a comment. Like {@link FrameObserver}, a stage holds it in a
 * volatile field that is null when nobody captures; the packet is borrowed for the call.
 */
@FunctionalInterface
public interface PacketTap {
    /** Ethernet frames use {@code linkType} 1, bare IPv4 packets 101 (pcap's LINKTYPE_ETHERNET and LINKTYPE_RAW). */
    void packet(String point, ByteBuffer buf, int offset, int length, int linkType, String comment);
}
