package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * Userspace GRO: joins consecutive wire-sized segments of one TCP flow, as they arrive from the underlay,
 * back into one super-frame, so that the router runs once and the pod's TAP takes one write per 64 KiB
 * instead of one per segment (Linux's tcp_gro_receive does the same for a NIC).
 *
 * <p>A segment continues the pending super-frame only if it is the next one of the same flow and could have
 * been cut from it by {@link Segmenter}: same MACs, IPv4 addresses, TOS, TTL and DF, no IP options, the IP
 * identification one more than the last, same ports, acknowledgment number, window and TCP options (so
 * timestamps too), its sequence number where the last one's payload ended, flags ACK alone (PSH allowed on
 * the last), and every segment but the last exactly as long as the first. Anything else ends the pending
 * super-frame ({@link #take} hands it over) and may start a new one. The whole stays within a 64 KiB IP
 * packet.
 *
 * <p>The super-frame's TCP checksum is full and is derived from the segments' own checksums without reading
 * their payload again: for a segment whose checksum verifies, the sum of its payload is the complement of
 * the sum of its pseudo-header and header (checksum field included). A segment that arrived with a wrong
 * checksum therefore makes the super-frame's checksum wrong, and the receiving kernel drops it as it would
 * have dropped the segment. Its offload metadata says GSO_TCPV4 with the first segment's payload as gso_size,
 * and no NEEDS_CSUM: the checksum is there to be verified.
 *
 * <p>Not thread-safe: one per receiving thread. Nothing is allocated after construction.
 */
public final class TcpCoalescer {
    /** Largest IPv4 packet a super-frame may grow to. */
    public static final int MAX_IP_LENGTH = 65535;

    private static final int ETH = EthernetFrame.HEADER_LEN;
    private static final int IP_TOS = 1;
    private static final int IP_TOTAL_LENGTH = 2;
    private static final int IP_IDENTIFICATION = 4;
    private static final int IP_FLAGS_FRAGMENT = 6;
    private static final int IP_TTL = 8;
    private static final int IP_PROTOCOL = 9;
    private static final int IP_CHECKSUM = 10;
    private static final int IP_SOURCE = 12;
    private static final int IP_DESTINATION = 16;
    private static final int TCP_SEQUENCE = 4;
    private static final int TCP_ACK = 8;
    private static final int TCP_DATA_OFFSET = 12;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_WINDOW = 14;
    private static final int TCP_CHECKSUM = 16;
    private static final int DF_ONLY = 0x4000;

    private final ByteBuffer buf = ByteBuffer.allocateDirect(ETH + MAX_IP_LENGTH + 64);
    /** Bytes of the pending super-frame in {@link #buf} from index 0; 0 when none is pending. */
    private int length;
    private int segments;
    private int tcpHeaderLength;
    private int mss;
    private int lastId;
    private long nextSequence;
    /** The last segment was shorter than the first, or carried PSH: nothing may follow it. */
    private boolean closed;
    private int pushFlags;
    /** Ones' complement sum of the payloads taken so far, from their segments' checksums. */
    private long payloadSum;
    /** The length of the frame the last {@link #take} finished. */
    private int lastLength;

    /** True if a super-frame (or a lone segment) is pending. */
    public boolean pending() {
        return length > 0;
    }

    /**
     * Takes the Ethernet frame {@code [offset, offset + length)} of {@code src} into the pending super-frame if
     * it continues it, or makes it the start of a new one if nothing is pending and it may start one. Returns
     * false, taking nothing, otherwise: the caller then hands over what is pending ({@link #take}) and offers the
     * frame again, or sends it on alone.
     */
    public boolean offer(ByteBuffer src, int offset, int frameLength) {
        if (length == 0) {
            return start(src, offset, frameLength);
        }
        return append(src, offset, frameLength);
    }

    private boolean start(ByteBuffer src, int offset, int frameLength) {
        int thl = segmentShape(src, offset, frameLength);
        if (thl < 0) {
            return false;
        }
        int ip = offset + ETH;
        int total = get16(src, ip + IP_TOTAL_LENGTH);
        int payload = total - 20 - thl;
        int flags = src.get(ip + 20 + TCP_FLAGS) & 0xFF;
        if (flags != TcpPacket.ACK) {
            return false; // PSH or anything else: nothing could follow it
        }
        buf.put(0, src, offset, ETH + total);
        length = ETH + total;
        segments = 1;
        tcpHeaderLength = thl;
        mss = payload;
        lastId = get16(src, ip + IP_IDENTIFICATION);
        nextSequence = (get32(src, ip + 20 + TCP_SEQUENCE) + payload) & 0xFFFF_FFFFL;
        closed = (payload & 1) != 0; // an odd payload would put the next one at an odd offset
        pushFlags = 0;
        payloadSum = payloadSumOf(src, ip, total, thl);
        return true;
    }

    private boolean append(ByteBuffer src, int offset, int frameLength) {
        if (closed) {
            return false;
        }
        int thl = segmentShape(src, offset, frameLength);
        if (thl != tcpHeaderLength) {
            return false;
        }
        int ip = offset + ETH;
        int total = get16(src, ip + IP_TOTAL_LENGTH);
        int payload = total - 20 - thl;
        if (payload > mss || length + payload > ETH + MAX_IP_LENGTH) {
            return false;
        }
        for (int i = 0; i < ETH; i++) {
            if (src.get(offset + i) != buf.get(i)) {
                return false;
            }
        }
        int pip = ETH;
        if (src.get(ip + IP_TOS) != buf.get(pip + IP_TOS) || src.get(ip + IP_TTL) != buf.get(pip + IP_TTL)
                || get16(src, ip + IP_FLAGS_FRAGMENT) != get16(buf, pip + IP_FLAGS_FRAGMENT)
                || get32(src, ip + IP_SOURCE) != get32(buf, pip + IP_SOURCE)
                || get32(src, ip + IP_DESTINATION) != get32(buf, pip + IP_DESTINATION)
                || get16(src, ip + IP_IDENTIFICATION) != ((lastId + 1) & 0xFFFF)) {
            return false;
        }
        int l4 = ip + 20;
        int pl4 = pip + 20;
        if (get32(src, l4) != get32(buf, pl4) // both ports
                || (get32(src, l4 + TCP_SEQUENCE) & 0xFFFF_FFFFL) != nextSequence
                || get32(src, l4 + TCP_ACK) != get32(buf, pl4 + TCP_ACK)
                || get16(src, l4 + TCP_WINDOW) != get16(buf, pl4 + TCP_WINDOW)) {
            return false;
        }
        int flags = src.get(l4 + TCP_FLAGS) & 0xFF;
        if ((flags & ~TcpPacket.PSH) != TcpPacket.ACK) {
            return false;
        }
        for (int i = 20; i < thl; i++) { // options, timestamps included
            if (src.get(l4 + i) != buf.get(pl4 + i)) {
                return false;
            }
        }
        buf.put(length, src, l4 + thl, payload);
        length += payload;
        segments++;
        lastId = (lastId + 1) & 0xFFFF;
        nextSequence = (nextSequence + payload) & 0xFFFF_FFFFL;
        pushFlags |= flags & TcpPacket.PSH;
        closed = payload < mss || pushFlags != 0;
        payloadSum += payloadSumOf(src, ip, total, thl);
        return true;
    }

    /**
     * The TCP header length if the frame is an IPv4 TCP segment with payload that coalescing can handle (no
     * IP options, no fragment, DF or nothing in the flags field, lengths consistent), else -1.
     */
    private static int segmentShape(ByteBuffer src, int offset, int frameLength) {
        if (frameLength < ETH + 40 || get16(src, offset + 12) != EthernetFrame.TYPE_IPV4) {
            return -1;
        }
        int ip = offset + ETH;
        int fragment = get16(src, ip + IP_FLAGS_FRAGMENT);
        if ((src.get(ip) & 0xFF) != 0x45 || (src.get(ip + IP_PROTOCOL) & 0xFF) != Ipv4Packet.PROTO_TCP
                || (fragment != 0 && fragment != DF_ONLY)) {
            return -1;
        }
        int total = get16(src, ip + IP_TOTAL_LENGTH);
        if (ETH + total > frameLength) {
            return -1;
        }
        int thl = ((src.get(ip + 20 + TCP_DATA_OFFSET) & 0xFF) >>> 4) * 4;
        if (thl < TcpPacket.HEADER_LEN || 20 + thl >= total) {
            return -1; // no payload: a pure ACK is sent on alone
        }
        return thl;
    }

    /**
     * The ones' complement sum of a segment's payload, from its checksum: pseudo-header, header and payload sum
     * to 0xFFFF when the checksum verifies, so the payload's sum is the complement of the other two.
     */
    private static long payloadSumOf(ByteBuffer src, int ip, int total, int thl) {
        int l4Length = total - 20;
        int pseudo = Checksum.pseudoHeaderSum(get32(src, ip + IP_SOURCE), get32(src, ip + IP_DESTINATION),
                Ipv4Packet.PROTO_TCP, l4Length);
        return Checksum.fold(Checksum.sum(src, ip + 20, thl, pseudo));
    }

    /**
     * Finishes the pending super-frame in its buffer (total length, IPv4 header checksum, PSH, full TCP
     * checksum) and returns its offload metadata: GSO_TCPV4 for two segments or more, NONE for a lone segment
     * (left as it came). {@link #buffer} and {@link #length} then describe it until the next {@link #offer};
     * nothing is pending any more.
     */
    public long take() {
        int frame = length;
        int n = segments;
        length = 0;
        segments = 0;
        if (n <= 1) {
            lastLength = frame;
            return VirtioNetHeader.NONE;
        }
        int ip = ETH;
        int total = frame - ETH;
        put16(buf, ip + IP_TOTAL_LENGTH, total);
        put16(buf, ip + IP_CHECKSUM, 0);
        put16(buf, ip + IP_CHECKSUM, Checksum.fold(Checksum.sum(buf, ip, 20, 0)));
        int l4 = ip + 20;
        buf.put(l4 + TCP_FLAGS, (byte) (buf.get(l4 + TCP_FLAGS) | pushFlags));
        put16(buf, l4 + TCP_CHECKSUM, 0);
        int pseudo = Checksum.pseudoHeaderSum(get32(buf, ip + IP_SOURCE), get32(buf, ip + IP_DESTINATION),
                Ipv4Packet.PROTO_TCP, total - 20);
        long sum = Checksum.sum(buf, l4, tcpHeaderLength, pseudo) + payloadSum;
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        put16(buf, l4 + TCP_CHECKSUM, Checksum.fold((int) sum));
        lastLength = frame;
        return VirtioNetHeader.of(0, VirtioNetHeader.GSO_TCPV4, 20 + tcpHeaderLength, mss, 20, TCP_CHECKSUM);
    }

    /** The buffer the super-frame {@link #take} finished is in, from index 0. */
    public ByteBuffer buffer() {
        return buf;
    }

    /** The length of the frame {@link #take} finished. */
    public int length() {
        return lastLength;
    }

    /** How many segments are pending. */
    public int segments() {
        return segments;
    }

    private static int get16(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 8 | (b.get(at + 1) & 0xFF);
    }

    private static int get32(ByteBuffer b, int at) {
        return get16(b, at) << 16 | get16(b, at + 2);
    }

    private static void put16(ByteBuffer b, int at, int v) {
        b.put(at, (byte) (v >>> 8));
        b.put(at + 1, (byte) v);
    }
}
