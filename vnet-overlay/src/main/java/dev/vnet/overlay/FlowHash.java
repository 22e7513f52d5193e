package dev.vnet.overlay;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.PacketContext;
import java.nio.ByteBuffer;

/**
 * Hashes the inner flow of a frame so that one flow always leaves with the same outer UDP source port and
 * different flows spread over many (RFC 7348 §5: entropy for ECMP and RSS in the underlay).
 *
 * <p>An IPv4 flow is its addresses and protocol, plus the ports for TCP and UDP. The fragments of a datagram
 * carry no ports (only the first holds the header), so all of them hash on addresses and protocol alone and
 * leave by the same port, in order.
 */
public final class FlowHash {
    /** For frames that come without a parsed context: each thread parses into its own. */
    private static final ThreadLocal<PacketContext> PARSED = ThreadLocal.withInitial(PacketContext::new);
    private static final ThreadLocal<EthernetFrame> ETHERNET = ThreadLocal.withInitial(EthernetFrame::new);

    private FlowHash() {}

    /** The hash of a parsed IPv4 packet's flow: the router's frames, parsed once. */
    public static int of(PacketContext packet) {
        int h = mix(packet.source(), packet.destination(), packet.protocol());
        if (packet.hasPorts()) {
            h = mix(h, packet.sourcePort() << 16 | packet.destinationPort(), 0);
        }
        return h;
    }

    /**
     * The hash of the Ethernet frame in {@code [0, length)} of {@code frame}: its IPv4 flow as
     * {@link #of(PacketContext)} has it, or for anything else (ARP, IPv6, a broken IPv4 header) its MACs.
     */
    public static int of(ByteBuffer frame, int length) {
        PacketContext packet = PARSED.get();
        if (packet.parse(frame, 0, length, PacketContext.Origin.NODE) == DropReason.NONE) {
            return of(packet);
        }
        EthernetFrame eth = ETHERNET.get().wrap(frame, 0, length);
        if (eth.checkLength() == DropReason.NONE) {
            return mix((int) (eth.destination() >>> 16), (int) (eth.destination() << 16 | eth.source() >>> 32),
                    (int) eth.source());
        }
        int h = 0;
        for (int i = 0; i < length; i++) {
            h = h * 31 + (frame.get(i) & 0xff);
        }
        return mix(h, length, 0);
    }

    /** A source port in the Linux default ephemeral range 32768–60999, from the hash. */
    public static int sourcePort(int hash) {
        return 32768 + Integer.remainderUnsigned(hash, 61000 - 32768);
    }

    private static int mix(int a, int b, int c) {
        int h = a * 0x9E3779B1 ^ Integer.rotateLeft(b * 0x85EBCA77, 13) ^ c * 0xC2B2AE3D;
        h ^= h >>> 16;
        h *= 0x7feb352d;
        h ^= h >>> 15;
        return h;
    }
}
