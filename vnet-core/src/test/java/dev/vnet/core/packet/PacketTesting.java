package dev.vnet.core.packet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Helpers shared by the view tests: placing fixtures in buffers, and a naive checksum to check against. */
final class PacketTesting {

    private PacketTesting() {
    }

    /**
     * A heap buffer holding {@code bytes} at {@code offset}, with {@code trailing} zero bytes after them.
     * Little-endian on purpose: the views must not depend on the buffer's byte order.
     */
    static ByteBuffer place(byte[] bytes, int offset, int trailing) {
        ByteBuffer buf = ByteBuffer.allocate(offset + bytes.length + trailing).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes.length; i++) {
            buf.put(offset + i, bytes[i]);
        }
        return buf;
    }

    static ByteBuffer place(byte[] bytes) {
        return place(bytes, 0, 0);
    }

    static byte[] read(ByteBuffer buf, int offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = buf.get(offset + i);
        }
        return out;
    }

    /** Bytes from hex pairs, spaces ignored: "45 00 00 38" (a fixture as tcpdump -xx prints it). */
    static byte[] hex(String text) {
        String digits = text.replace(" ", "").replace("\n", "");
        byte[] out = new byte[digits.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** Concatenates byte arrays. */
    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * The RFC 1071 checksum written as plainly as possible, independent of {@link Checksum}: add every
     * big-endian word in a long, fold, complement.
     */
    static int referenceChecksum(byte[] data) {
        long sum = 0;
        for (int i = 0; i < data.length; i += 2) {
            int hi = data[i] & 0xFF;
            int lo = i + 1 < data.length ? data[i + 1] & 0xFF : 0;
            sum += hi * 256 + lo;
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    /** The 12-byte IPv4 pseudo-header of RFC 768 / RFC 9293 as bytes. */
    static byte[] pseudoHeader(int srcIp, int dstIp, int protocol, int length) {
        return new byte[] {
            (byte) (srcIp >>> 24), (byte) (srcIp >>> 16), (byte) (srcIp >>> 8), (byte) srcIp,
            (byte) (dstIp >>> 24), (byte) (dstIp >>> 16), (byte) (dstIp >>> 8), (byte) dstIp,
            0, (byte) protocol, (byte) (length >>> 8), (byte) length,
        };
    }

    /** A copy of {@code data} with the 16-bit field at {@code at} set to zero. */
    static byte[] zeroed(byte[] data, int at) {
        byte[] copy = data.clone();
        copy[at] = 0;
        copy[at + 1] = 0;
        return copy;
    }
}
