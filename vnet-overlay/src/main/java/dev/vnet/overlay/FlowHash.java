package dev.vnet.overlay;

import java.nio.ByteBuffer;

/**
 * Hashes the inner flow of a frame so that one flow always leaves with the same outer UDP source port and
 * different flows spread over many (RFC 7348 §5: entropy for ECMP and RSS in the underlay).
 */
public final class FlowHash {
    private FlowHash() {}

    /**
     * A hash of an inner IPv4 frame's addresses, protocol and (for TCP/UDP) ports; of the MACs for
     * anything else. {@code frame} holds an Ethernet frame from index 0.
     */
    public static int of(ByteBuffer frame, int length) {
        int h;
        if (length >= 34 && frame.getShort(12) == 0x0800) {
            int ihl = (frame.get(14) & 0x0f) * 4;
            int proto = frame.get(23) & 0xff;
            h = mix(frame.getInt(26), frame.getInt(30), proto);
            if ((proto == 6 || proto == 17) && length >= 14 + ihl + 4) {
                h = mix(h, frame.getInt(14 + ihl), 0);
            }
        } else {
            h = mix(frame.getInt(0), frame.getInt(4), frame.getInt(8));
        }
        return h;
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
