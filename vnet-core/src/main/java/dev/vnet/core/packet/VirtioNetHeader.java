package dev.vnet.core.packet;

import java.nio.ByteBuffer;

/**
 * The 10-byte {@code struct virtio_net_hdr} that a TAP or TUN device opened with {@code IFF_VNET_HDR} puts in
 * front of every frame, and the offload metadata it carries, packed into one {@code long} so that it travels
 * with a frame through ports and stages without allocating.
 *
 * <pre>
 *   0      1          2        4         6          8           10
 *   +------+----------+--------+---------+----------+-----------+
 *   |flags | gso_type | hdr_len| gso_size|csum_start|csum_offset|   (16-bit fields little-endian)
 *   +------+----------+--------+---------+----------+-----------+
 * </pre>
 *
 * {@code flags}: {@link #F_NEEDS_CSUM} (the TCP/UDP checksum holds only the pseudo-header sum; whoever takes
 * the frame last completes it over {@code [csum_start, end)} and stores it at {@code csum_start + csum_offset})
 * and {@link #F_DATA_VALID} (the checksum was verified). {@code gso_type}: {@link #GSO_NONE}, or a
 * super-frame of up to 64 KiB to be cut into segments of {@code gso_size} payload bytes each
 * ({@link #GSO_TCPV4}, {@link #GSO_TCPV6}, {@link #GSO_UDP_L4}, possibly with {@link #GSO_ECN}).
 * {@code hdr_len} is the length of the headers every segment repeats.
 *
 * <p>In the packed form {@code csum_start} and {@code hdr_len} count from the IP header, not from the start of
 * the frame, so a value means the same on a TAP (Ethernet frames) and on a TUN (bare IP packets); the device
 * adds its link header's length when it reads or writes the struct. Packed bits, from the low end:
 * flags 8, gso_type 8, gso_size 16, hdr_len 16, csum_start 8, csum_offset 8. {@link #NONE} (0) is a frame
 * with complete checksums and no segmentation, which is every frame that did not come from an offloading
 * device.
 */
public final class VirtioNetHeader {
    /** The struct's size, as {@code TUNSETVNETHDRSZ} is told. */
    public static final int LENGTH = 10;

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    /** UDP fragmentation offload (UFO), IPv4: deprecated, never asked for by vnet. */
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** UDP segmentation offload (USO), IPv4 or IPv6: each segment a datagram of its own. */
    public static final int GSO_UDP_L4 = 5;
    /** Or'ed into gso_type: the TCP super-frame has CWR set, which only its first segment carries. */
    public static final int GSO_ECN = 0x80;

    /** No offload: complete checksums, no segmentation. */
    public static final long NONE = 0;

    private static final int FLAGS = 0;
    private static final int GSO_TYPE = 1;
    private static final int HDR_LEN = 2;
    private static final int GSO_SIZE = 4;
    private static final int CSUM_START = 6;
    private static final int CSUM_OFFSET = 8;

    private VirtioNetHeader() {
    }

    /**
     * Packs the fields; {@code hdrLen} and {@code csumStart} count from the IP header. Values are masked to
     * their widths (csum_start and csum_offset to 8 bits: IPv4 and TCP headers are at most 60 bytes each).
     */
    public static long of(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        return (flags & 0xFFL) | (gsoType & 0xFFL) << 8 | (gsoSize & 0xFFFFL) << 16 | (hdrLen & 0xFFFFL) << 32
                | (csumStart & 0xFFL) << 48 | (csumOffset & 0xFFL) << 56;
    }

    /**
     * Reads the struct at {@code at} of {@code buf}, for a frame whose IP header starts {@code linkHeader}
     * bytes into it (14 on a TAP, 0 on a TUN). A csum_start or hdr_len that points into the link header
     * (malformed) is kept as 0.
     */
    public static long read(ByteBuffer buf, int at, int linkHeader) {
        int flags = buf.get(at + FLAGS) & 0xFF;
        int gsoType = buf.get(at + GSO_TYPE) & 0xFF;
        return of(flags, gsoType, Math.max(0, le16(buf, at + HDR_LEN) - linkHeader), le16(buf, at + GSO_SIZE),
                Math.max(0, le16(buf, at + CSUM_START) - linkHeader), le16(buf, at + CSUM_OFFSET));
    }

    /** Writes {@code offload} as the struct at {@code at} of {@code buf}, for a frame with that link header. */
    public static void write(long offload, ByteBuffer buf, int at, int linkHeader) {
        buf.put(at + FLAGS, (byte) flags(offload));
        buf.put(at + GSO_TYPE, (byte) gsoType(offload));
        int hdrLen = hdrLen(offload);
        putLe16(buf, at + HDR_LEN, hdrLen == 0 ? 0 : hdrLen + linkHeader);
        putLe16(buf, at + GSO_SIZE, gsoSize(offload));
        putLe16(buf, at + CSUM_START, needsChecksum(offload) ? csumStart(offload) + linkHeader : 0);
        putLe16(buf, at + CSUM_OFFSET, csumOffset(offload));
    }

    /** Return the flags field. */
    public static int flags(long offload) {
        return (int) (offload & 0xFF);
    }

    /** Return the gso_type field, ECN bit included. */
    public static int gsoType(long offload) {
        return (int) (offload >>> 8 & 0xFF);
    }

    /** Return the gso_size field: payload bytes per segment. */
    public static int gsoSize(long offload) {
        return (int) (offload >>> 16 & 0xFFFF);
    }

    /** Return the hdr_len field, counted from the IP header. */
    public static int hdrLen(long offload) {
        return (int) (offload >>> 32 & 0xFFFF);
    }

    /** Return the csum_start field, counted from the IP header. */
    public static int csumStart(long offload) {
        return (int) (offload >>> 48 & 0xFF);
    }

    /** Return the csum_offset field: where the checksum sits, from csum_start. */
    public static int csumOffset(long offload) {
        return (int) (offload >>> 56 & 0xFF);
    }

    /** True if the transport checksum is partial (the pseudo-header sum only). */
    public static boolean needsChecksum(long offload) {
        return (offload & F_NEEDS_CSUM) != 0;
    }

    /** True if this is a super-frame still to be cut into segments. */
    public static boolean isGso(long offload) {
        return gsoType(offload) != GSO_NONE;
    }

    /** True if a port that takes only whole, wire-sized frames must resolve it first (segment or checksum). */
    public static boolean needsSoftware(long offload) {
        return isGso(offload) || needsChecksum(offload);
    }

    /** The same metadata without the segmentation: what each segment of a super-frame carries. */
    public static long withoutGso(long offload) {
        return offload & ~0x0000_FFFF_FFFF_FF00L;
    }

    /** "NEEDS_CSUM TCPV4 gso_size=1398 hdr_len=52 csum_start=20 csum_offset=16", or "none", for logs and tests. */
    public static String toString(long offload) {
        if (offload == NONE) {
            return "none";
        }
        StringBuilder s = new StringBuilder();
        if (needsChecksum(offload)) {
            s.append("NEEDS_CSUM ");
        }
        if ((flags(offload) & F_DATA_VALID) != 0) {
            s.append("DATA_VALID ");
        }
        int type = gsoType(offload);
        s.append(switch (type & ~GSO_ECN) {
            case GSO_NONE -> "GSO_NONE";
            case GSO_TCPV4 -> "TCPV4";
            case GSO_UDP -> "UDP";
            case GSO_TCPV6 -> "TCPV6";
            case GSO_UDP_L4 -> "UDP_L4";
            default -> "gso_type " + (type & ~GSO_ECN);
        });
        if ((type & GSO_ECN) != 0) {
            s.append("|ECN");
        }
        return s.append(" gso_size=").append(gsoSize(offload)).append(" hdr_len=").append(hdrLen(offload))
                .append(" csum_start=").append(csumStart(offload)).append(" csum_offset=")
                .append(csumOffset(offload)).toString();
    }

    // The struct is in the machine's byte order when the device is not told otherwise: little-endian on x86-64
    // and arm64, the only platforms vnet runs on.
    private static int le16(ByteBuffer buf, int at) {
        return (buf.get(at) & 0xFF) | (buf.get(at + 1) & 0xFF) << 8;
    }

    private static void putLe16(ByteBuffer buf, int at, int value) {
        buf.put(at, (byte) value);
        buf.put(at + 1, (byte) (value >>> 8));
    }
}
