package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * The Internet checksum: the ones' complement of the ones' complement sum of 16-bit words (RFC 1071), and
 * its incremental update when one field changes (RFC 1624).
 *
 * <p>A frame read from a TAP device with offloads enabled may carry only a partial checksum: the
 * pseudo-header sum, not complemented, with the rest left for the NIC (virtio-net's
 * {@code VIRTIO_NET_HDR_F_NEEDS_CSUM}). Such a frame does not verify, and the views cannot tell; the caller,
 * who has the frame's {@link VirtioNetHeader} metadata, must skip verification for it,
 * {@link #updatePartial32} it where an address changes, and complete it with {@link Segmenter} where a full
 * checksum is needed.
 */
public final class Checksum {

    private Checksum() {
    }

    /**
     * Adds {@code length} bytes from {@code offset} as big-endian 16-bit words to {@code initial}. An odd
     * last byte counts as the high byte of a word (RFC 1071 section 4.1), so only the last piece of a
     * chained sum may have an odd length. The result is folded to 16 bits but not complemented.
     */
    public static int sum(ByteBuffer buf, int offset, int length, int initial) {
        long sum = Integer.toUnsignedLong(initial);
        int i = offset;
        // Eight bytes at a time: the ones' complement sum of 32-bit words folds to the same 16-bit sum
        // (2^16 ≡ 1 modulo 0xFFFF), and a super-frame's 64 KiB are summed in a few thousand steps.
        int longs = offset + (length & ~7);
        boolean bigEndian = buf.order() == java.nio.ByteOrder.BIG_ENDIAN;
        for (; i < longs; i += 8) {
            long v = buf.getLong(i);
            if (!bigEndian) {
                v = Long.reverseBytes(v);
            }
            sum += (v >>> 32) + (v & 0xFFFF_FFFFL);
        }
        sum = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        int end = offset + (length & ~1);
        for (; i < end; i += 2) {
            sum += (buf.get(i) & 0xFF) << 8 | (buf.get(i + 1) & 0xFF);
        }
        if ((length & 1) != 0) {
            sum += (buf.get(end) & 0xFF) << 8;
        }
        // A long cannot overflow here: 2^47 words would be needed.
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) sum;
    }

    /** Folds the carries of a running sum into 16 bits and complements it: the value to put on the wire. */
    public static int fold(int sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    /** The sum of the IPv4 pseudo-header that UDP and TCP checksums cover (RFC 768, RFC 9293 3.1). */
    public static int pseudoHeaderSum(int srcIp, int dstIp, int protocol, int length) {
        return (srcIp >>> 16) + (srcIp & 0xFFFF) + (dstIp >>> 16) + (dstIp & 0xFFFF)
                + (protocol & 0xFF) + (length & 0xFFFF);
    }

    /**
     * The checksum after one 16-bit word changes from {@code oldWord} to {@code newWord}, by RFC 1624
     * eqn. 3: HC' = ~(~HC + ~m + m'). Eqn. 3 rather than eqn. 2 because it gives the same result as a
     * full recompute where the ones' complement sum is zero (RFC 1624 section 3).
     */
    public static int update16(int oldChecksum, int oldWord, int newWord) {
        int sum = (~oldChecksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return fold(sum);
    }

    /**
     * A partial checksum (an uncomplemented pseudo-header sum) after a 32-bit pseudo-header field (an IPv4
     * address) changes: the old value's words taken out, the new one's added, folded, not complemented.
     */
    public static int updatePartial32(int partial, int oldValue, int newValue) {
        long sum = (partial & 0xFFFF) + (~oldValue >>> 16 & 0xFFFF) + (~oldValue & 0xFFFF)
                + (newValue >>> 16) + (newValue & 0xFFFF);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The checksum after a 32-bit field (an IPv4 address) changes: two 16-bit updates. */
    public static int update32(int oldChecksum, int oldValue, int newValue) {
        int hc = update16(oldChecksum, oldValue >>> 16, newValue >>> 16);
        return update16(hc, oldValue & 0xFFFF, newValue & 0xFFFF);
    }
}
