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
        if (length >= 34 && u16(frame, 12) == 0x0800) {
            int ihl = (frame.get(14) & 0x0f) * 4;
            int proto = frame.get(23) & 0xff;
            h = mix(u32(frame, 26), u32(frame, 30), proto);
            if ((proto == 6 || proto == 17) && length >= 14 + ihl + 4) {
                h = mix(h, u32(frame, 14 + ihl), 0);
            }
        } else if (length >= 12) {
            h = mix(u32(frame, 0), u32(frame, 4), u32(frame, 8));
        } else {
            h = 0;
            for (int i = 0; i < length; i++) {
                h = h * 31 + (frame.get(i) & 0xff);
            }
            h = mix(h, length, 0);
        }
        return h;
    }

    /** A source port in the Linux default ephemeral range 32768–60999, from the hash. */
    public static int sourcePort(int hash) {
        return 32768 + Integer.remainderUnsigned(hash, 61000 - 32768);
    }

    /** Big-endian reads byte by byte, whatever the buffer's byte order setting. */
    private static int u16(ByteBuffer b, int at) {
        return ((b.get(at) & 0xff) << 8) | (b.get(at + 1) & 0xff);
    }

    private static int u32(ByteBuffer b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }

    private static int mix(int a, int b, int c) {
        int h = a * 0x9E3779B1 ^ Integer.rotateLeft(b * 0x85EBCA77, 13) ^ c * 0xC2B2AE3D;
        h ^= h >>> 16;
        h *= 0x7feb352d;
        h ^= h >>> 15;
        return h;
    }
}
