package dev.vnet.core.trace;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One traced packet: how to recognise it at every stage (even after NAT rewrote its addresses and ports),
 * and the decision each stage took about it, in order.
 *
 * <p>It is recognised by its IPv4 identification and protocol, plus a field no stage rewrites: the TCP
 * sequence number, the ICMP echo identifier, or a marker at the start of the UDP payload.
 */
public final class Probe {
    /** One stage's decision about the probe. */
    public record Hop(long nanos, String node, String stage, String decision) {}

    /** The bytes a UDP probe carries first, so it is known after its ports were translated. */
    public static final byte[] UDP_MARKER = "vnet-trace".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int ipId;
    private final int protocol;
    private final long marker;
    private final List<Hop> hops = new ArrayList<>();
    private volatile String outcome;

    /**
     * @param marker the TCP sequence number (TCP), the echo identifier (ICMP), or ignored (UDP: the payload
     *               marker is used)
     */
    public Probe(int ipId, int protocol, long marker) {
        this.ipId = ipId & 0xffff;
        this.protocol = protocol;
        this.marker = marker;
    }

    /**
     * The probe for a real IPv4 packet (trace --next): known by its identification, protocol and a field no
     * stage rewrites (TCP sequence number, ICMP echo identifier, or for UDP the datagram's length).
     * Returns null for other protocols.
     */
    public static Probe of(ByteBuffer buf, int ipOffset) {
        int protocol = buf.get(ipOffset + 9) & 0xff;
        int l4 = ipOffset + (buf.get(ipOffset) & 0x0f) * 4;
        int id = u16(buf, ipOffset + 4);
        return switch (protocol) {
            case 6 -> new Probe(id, 6, u32(buf, l4 + 4) & 0xffffffffL);
            case 1 -> new Probe(id, 1, u16(buf, l4 + 4));
            case 17 -> new Probe(id, 17, UDP_BY_LENGTH | u16(buf, l4 + 4));
            default -> null;
        };
    }

    /** A UDP marker with this bit set means "match the UDP length in the low bits", not the payload marker. */
    private static final long UDP_BY_LENGTH = 1L << 40;

    /** Whether the IPv4 packet at {@code ipOffset} of {@code buf} is this probe. Reads a few bytes, allocates nothing. */
    public boolean matches(ByteBuffer buf, int ipOffset) {
        int limit = buf.limit();
        if (ipOffset + 20 > limit || (buf.get(ipOffset) & 0xf0) != 0x40
                || u16(buf, ipOffset + 4) != ipId || (buf.get(ipOffset + 9) & 0xff) != protocol) {
            return false;
        }
        int l4 = ipOffset + (buf.get(ipOffset) & 0x0f) * 4;
        switch (protocol) {
            case 6 -> {
                return l4 + 8 <= limit && (u32(buf, l4 + 4) & 0xffffffffL) == marker;
            }
            case 1 -> {
                return l4 + 6 <= limit && u16(buf, l4 + 4) == (int) marker;
            }
            case 17 -> {
                if ((marker & UDP_BY_LENGTH) != 0) {
                    return l4 + 8 <= limit && u16(buf, l4 + 4) == (int) (marker & 0xffff);
                }
                if (l4 + 8 + UDP_MARKER.length > limit) {
                    return false;
                }
                for (int i = 0; i < UDP_MARKER.length; i++) {
                    if (buf.get(l4 + 8 + i) != UDP_MARKER[i]) {
                        return false;
                    }
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    public synchronized void hop(String node, String stage, String decision) {
        hops.add(new Hop(System.nanoTime(), node, stage, decision));
    }

    /** Records how the probe's journey ended (delivered to a pod, to a node, or dropped and why). */
    public void end(String how) {
        if (outcome == null) {
            outcome = how;
        }
    }

    public synchronized List<Hop> hops() {
        return List.copyOf(hops);
    }

    public String outcome() {
        return outcome;
    }

    public int protocol() {
        return protocol;
    }

    public long marker() {
        return marker;
    }

    public int ipId() {
        return ipId;
    }

    private static int u16(ByteBuffer b, int at) {
        return ((b.get(at) & 0xff) << 8) | (b.get(at + 1) & 0xff);
    }

    private static int u32(ByteBuffer b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }
}
