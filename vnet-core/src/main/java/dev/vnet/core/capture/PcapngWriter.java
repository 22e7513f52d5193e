package dev.vnet.core.capture;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Writes pcapng (draft-ietf-opsawg-pcapng, "PCAP Now Generic (pcapng) Capture File Format"), the format
 * Wireshark saves by default. One file holds several capture points, each an interface with a name and a
 * link type, and each packet can carry a comment: vnet puts the stage's verdict there, so Wireshark shows
 * "DNAT 10.96.0.2:80 -> 10.244.2.3:8080" next to the packet it applies to.
 *
 * <p>The file is one section: a Section Header Block, then an Interface Description Block for each
 * {@link #addInterface} call (placed where it is called, which may be after earlier packets), and an
 * Enhanced Packet Block for each {@link #write}. Every number is little-endian; the byte-order magic in the
 * section header tells the reader so. Timestamps count nanoseconds ({@code if_tsresol} = 9).
 */
public final class PcapngWriter implements CaptureSink {

    /*
     * Every block (section 3.1) has the same frame; the body is padded to 32 bits:
     *
     *                         1                   2                   3
     *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     *    +---------------------------------------------------------------+
     *  0 |                          Block Type                           |
     *    +---------------------------------------------------------------+
     *  4 |                      Block Total Length                       |
     *    +---------------------------------------------------------------+
     *  8 /                          Block Body                           /
     *    +---------------------------------------------------------------+
     *    |                      Block Total Length                       |
     *    +---------------------------------------------------------------+
     *
     * Options (section 3.5) end a block body: code, length of the value, the value padded to 32 bits, and
     * last an opt_endofopt (code 0, length 0).
     *
     *    |      Option Code              |         Option Length         |
     *    /                       Option Value (padded)                   /
     *
     * Section Header Block (4.1):       Interface Description Block (4.2):
     *  0 | Block Type = 0x0A0D0D0A  |     0 | Block Type = 0x00000001  |
     *  4 | Block Total Length       |     4 | Block Total Length       |
     *  8 | Byte-Order Magic         |     8 | LinkType    | Reserved   |
     * 12 | Major (1)  | Minor (0)   |    12 | SnapLen                  |
     * 16 | Section Length (64 bits) |    16 / Options                  /
     * 24 / Options                  /       | Block Total Length       |
     *    | Block Total Length       |
     *
     * Enhanced Packet Block (4.3):
     *  0 | Block Type = 0x00000006  |
     *  4 | Block Total Length       |
     *  8 | Interface ID             |
     * 12 | Timestamp (High)         |
     * 16 | Timestamp (Low)          |
     * 20 | Captured Packet Length   |
     * 24 | Original Packet Length   |
     * 28 / Packet Data (padded)     /
     *    / Options                  /
     *    | Block Total Length       |
     */
    private static final int BLOCK_SECTION_HEADER = 0x0A0D0D0A;
    private static final int BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
    private static final int BLOCK_ENHANCED_PACKET = 0x00000006;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    /** Section length -1: not given, so readers do not try to skip the section. */
    private static final long SECTION_LENGTH_UNSPECIFIED = -1L;

    private static final int OPT_ENDOFOPT = 0;
    private static final int OPT_COMMENT = 1;
    private static final int SHB_USERAPPL = 4;
    private static final int IF_NAME = 2;
    private static final int IF_DESCRIPTION = 3;
    private static final int IF_TSRESOL = 9;
    /** if_tsresol value: the high bit clear, so a power of ten, 10^-9 seconds. */
    private static final int TSRESOL_NANOSECONDS = 9;

    /** Bytes of an Enhanced Packet Block before the packet data. */
    public static final int EPB_HEADER_LEN = 28;
    /** Longest packet stored whole; longer ones are cut, the block keeping their original length. */
    public static final int SNAPLEN = CaptureStream.SNAPLEN;
    /** Longest comment (or interface name) in bytes of UTF-8, as an option length is 16 bits; longer ones are cut. */
    public static final int MAX_COMMENT_BYTES = 0xFFFF;

    private final CaptureStream stream;
    /** The block header of an Enhanced Packet Block, reused under the lock. */
    private final byte[] header = new byte[EPB_HEADER_LEN];
    /** Padding, options and the trailing length of an Enhanced Packet Block, reused under the lock. */
    private byte[] trailer = new byte[256];
    private int interfaces;

    /**
     * Starts a capture file on {@code out}, which the writer now owns (closing the writer closes it), and
     * writes the Section Header Block at once.
     */
    public PcapngWriter(OutputStream out) throws IOException {
        this.stream = new CaptureStream(out);
        byte[] block = new byte[64];
        int at = 8;
        CaptureStream.putLe32(block, at, BYTE_ORDER_MAGIC);
        CaptureStream.putLe16(block, at + 4, 1);
        CaptureStream.putLe16(block, at + 6, 0);
        CaptureStream.putLe64(block, at + 8, SECTION_LENGTH_UNSPECIFIED);
        at += 16;
        at = putOption(block, at, SHB_USERAPPL, "vnet");
        at = putEndOfOptions(block, at);
        at = finishBlock(block, BLOCK_SECTION_HEADER, at);
        stream.write(block, 0, at);
        stream.flushHeaders();
    }

    /**
     * Writes an Interface Description Block with {@code if_name}, {@code if_description} (if not null) and
     * {@code if_tsresol}, and returns its id, counting from 0 in the order of the calls.
     */
    @Override
    public int addInterface(String name, String description, int linkType) {
        if (linkType < 0 || linkType > 0xFFFF) {
            throw new IllegalArgumentException("bad link type " + linkType + ": expected 0..65535");
        }
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a capture point needs a name");
        }
        // Block header and fixed fields 16, the two text options, if_tsresol 8, opt_endofopt 4, length 4.
        byte[] block = new byte[16 + optionRoom(name) + optionRoom(description) + 8 + 4 + 4];
        CaptureStream.putLe16(block, 8, linkType);
        CaptureStream.putLe32(block, 12, SNAPLEN);
        int at = putOption(block, 16, IF_NAME, name);
        if (description != null && !description.isEmpty()) {
            at = putOption(block, at, IF_DESCRIPTION, description);
        }
        CaptureStream.putLe16(block, at, IF_TSRESOL);
        CaptureStream.putLe16(block, at + 2, 1);
        block[at + 4] = TSRESOL_NANOSECONDS;
        at = putEndOfOptions(block, at + 8);
        at = finishBlock(block, BLOCK_INTERFACE_DESCRIPTION, at);
        synchronized (stream) {
            // A stopped stream still hands out an id: writes to it are dropped and counted like any other.
            if (!stream.stopped()) {
                try {
                    stream.write(block, 0, at);
                    stream.flushHeaders();
                } catch (IOException e) {
                    stream.failWithoutPacket(e); // the next flush or close reports it
                }
            }
            return interfaces++;
        }
    }

    /** Appends an Enhanced Packet Block, with the comment as its {@code opt_comment} if not null or empty. */
    @Override
    public void write(int interfaceId, long epochNanos, ByteBuffer buf, int offset, int length, String comment) {
        CaptureStream.checkRange(buf, offset, length);
        int captured = Math.min(length, SNAPLEN);
        int padding = -captured & 3;
        synchronized (stream) {
            if (interfaceId < 0 || interfaceId >= interfaces) {
                throw new IllegalArgumentException("no capture point " + interfaceId + ": "
                        + interfaces + " were added with addInterface");
            }
            if (!stream.accepting()) {
                return;
            }
            // Padding 3, the comment option, opt_endofopt 4, the trailing length 4.
            int room = 3 + optionRoom(comment) + 4 + 4;
            if (trailer.length < room) {
                trailer = new byte[room];
            }
            int at = padding;
            for (int i = 0; i < padding; i++) {
                trailer[i] = 0;
            }
            if (comment != null && !comment.isEmpty()) {
                at = putOption(trailer, at, OPT_COMMENT, comment);
                at = putEndOfOptions(trailer, at);
            }
            int total = EPB_HEADER_LEN + captured + at + 4;
            CaptureStream.putLe32(trailer, at, total);
            CaptureStream.putLe32(header, 0, BLOCK_ENHANCED_PACKET);
            CaptureStream.putLe32(header, 4, total);
            CaptureStream.putLe32(header, 8, interfaceId);
            CaptureStream.putLe32(header, 12, (int) (epochNanos >>> 32));
            CaptureStream.putLe32(header, 16, (int) epochNanos);
            CaptureStream.putLe32(header, 20, captured);
            CaptureStream.putLe32(header, 24, length);
            try {
                stream.write(header, 0, EPB_HEADER_LEN);
                stream.writeFrom(buf, offset, captured);
                stream.write(trailer, 0, at + 4);
                stream.packetDone();
            } catch (IOException e) {
                stream.fail(e);
            }
        }
    }

    /** Makes {@link #write} flush after every packet, for a live reader such as {@code wireshark -k -i -}. */
    public void setFlushEachPacket(boolean flushEachPacket) {
        synchronized (stream) {
            stream.setFlushEachPacket(flushEachPacket);
        }
    }

    @Override
    public void flush() {
        synchronized (stream) {
            stream.flush();
        }
    }

    /** Flushes and closes the stream; throws the failure that cut the file short, if one did. */
    @Override
    public void close() throws IOException {
        synchronized (stream) {
            stream.close();
        }
    }

    /** Capture points added so far. */
    public int interfaceCount() {
        synchronized (stream) {
            return interfaces;
        }
    }

    /** Packets written so far. */
    public long packetsWritten() {
        synchronized (stream) {
            return stream.packetsWritten();
        }
    }

    /** Packets dropped because the stream had failed or was closed. */
    public long packetsDropped() {
        synchronized (stream) {
            return stream.packetsDropped();
        }
    }

    /** The I/O error that stopped the capture, or null while it runs. */
    public IOException failure() {
        synchronized (stream) {
            return stream.failure();
        }
    }

    /**
     * Puts an option holding {@code text} in UTF-8, cut at a character boundary to
     * {@link #MAX_COMMENT_BYTES}, padded to 32 bits; returns the index after it. Allocates nothing, and
     * needs {@link #optionRoom} bytes of room.
     */
    private static int putOption(byte[] block, int at, int code, String text) {
        int start = at + 4;
        int end = Utf8.encode(text, block, start, MAX_COMMENT_BYTES);
        int length = end - start;
        CaptureStream.putLe16(block, at, code);
        CaptureStream.putLe16(block, at + 2, length);
        int padded = end + (-length & 3);
        for (int i = end; i < padded; i++) {
            block[i] = 0;
        }
        return padded;
    }

    /** Bytes an option holding {@code text} may need: its header, the UTF-8 at most, the padding. */
    private static int optionRoom(String text) {
        return text == null ? 0 : 4 + (int) Math.min(3L * text.length(), MAX_COMMENT_BYTES) + 3;
    }

    private static int putEndOfOptions(byte[] block, int at) {
        CaptureStream.putLe16(block, at, OPT_ENDOFOPT);
        CaptureStream.putLe16(block, at + 2, 0);
        return at + 4;
    }

    /** Fills in the type and both length fields of a block whose body ends at {@code end}; returns its size. */
    private static int finishBlock(byte[] block, int type, int end) {
        int total = end + 4;
        CaptureStream.putLe32(block, 0, type);
        CaptureStream.putLe32(block, 4, total);
        CaptureStream.putLe32(block, end, total);
        return total;
    }

    /** UTF-8 encoding into a caller's array, so that a comment costs no allocation. */
    static final class Utf8 {

        private Utf8() {
        }

        /**
         * Encodes {@code text} into {@code out} from {@code at}, stopping before a character that would take
         * the output past {@code maxBytes}; a lone surrogate becomes '?'. Returns the index after the last
         * byte written.
         */
        static int encode(String text, byte[] out, int at, int maxBytes) {
            int limit = at + maxBytes;
            for (int i = 0; i < text.length(); i++) {
                int c = text.charAt(i);
                if (c < 0x80) {
                    if (at + 1 > limit) {
                        break;
                    }
                    out[at++] = (byte) c;
                } else if (c < 0x800) {
                    if (at + 2 > limit) {
                        break;
                    }
                    out[at++] = (byte) (0xC0 | c >>> 6);
                    out[at++] = (byte) (0x80 | c & 0x3F);
                } else if (Character.isHighSurrogate((char) c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    if (at + 4 > limit) {
                        break;
                    }
                    int cp = Character.toCodePoint((char) c, text.charAt(++i));
                    out[at++] = (byte) (0xF0 | cp >>> 18);
                    out[at++] = (byte) (0x80 | cp >>> 12 & 0x3F);
                    out[at++] = (byte) (0x80 | cp >>> 6 & 0x3F);
                    out[at++] = (byte) (0x80 | cp & 0x3F);
                } else if (Character.isSurrogate((char) c)) {
                    if (at + 1 > limit) {
                        break;
                    }
                    out[at++] = '?';
                } else {
                    if (at + 3 > limit) {
                        break;
                    }
                    out[at++] = (byte) (0xE0 | c >>> 12);
                    out[at++] = (byte) (0x80 | c >>> 6 & 0x3F);
                    out[at++] = (byte) (0x80 | c & 0x3F);
                }
            }
            return at;
        }
    }
}
