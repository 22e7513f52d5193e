package dev.vnet.core.capture;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Writes the classic libpcap format (draft-ietf-opsawg-pcap, "PCAP Capture File Format"), the one
 * {@code tcpdump -w} writes: a file header naming one link type, then one record per packet. Timestamps
 * have nanosecond resolution. Every field is written in little-endian order; the magic number tells the
 * reader so. Classic pcap has no interfaces and no comments: for several capture points, or a stage's
 * verdict on each packet, use {@link PcapngWriter}.
 */
public final class PcapWriter implements CaptureSink {

    /*
     * File header (section 4), 24 bytes:
     *
     *                         1                   2                   3
     *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     *  0 |                          Magic Number                         |
     *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     *  4 |          Major Version        |         Minor Version         |
     *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     *  8 |                           Reserved1                           |
     *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * 12 |                           Reserved2                           |
     *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * 16 |                            SnapLen                            |
     *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * 20 | FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|           LinkType            |
     *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     *
     * The magic 0xA1B23C4D (rather than 0xA1B2C3D4) says the second timestamp field counts nanoseconds.
     * Reserved1 and Reserved2 were once thiszone and sigfigs; both are 0. No FCS bits: frames have none.
     *
     * Packet record (section 5), a 16-byte header and the packet:
     *
     *  0 |                      Timestamp (Seconds)                      |
     *  4 |                    Timestamp (Nanoseconds)                    |
     *  8 |                    Captured Packet Length                     |
     * 12 |                    Original Packet Length                     |
     * 16 /                          Packet Data                          /
     */
    private static final int MAGIC_NANOSECONDS = 0xA1B23C4D;
    private static final int VERSION_MAJOR = 2;
    private static final int VERSION_MINOR = 4;

    /** Bytes of the file header. */
    public static final int FILE_HEADER_LEN = 24;
    /** Bytes of the header before each packet's data. */
    public static final int RECORD_HEADER_LEN = 16;
    /** Longest packet stored whole; longer ones are cut, the record keeping their original length. */
    public static final int SNAPLEN = CaptureStream.SNAPLEN;

    private final CaptureStream stream;
    private final int linkType;
    /** The record header, reused under the lock: writing a packet allocates nothing. */
    private final byte[] record = new byte[RECORD_HEADER_LEN];

    /**
     * Starts a capture file on {@code out}, which the writer now owns (closing the writer closes it), and
     * writes the file header at once so that a reader of a pipe sees a valid, empty capture.
     *
     * @param linkType {@link #LINKTYPE_ETHERNET}, {@link #LINKTYPE_RAW}, or another LINKTYPE_ value
     */
    public PcapWriter(OutputStream out, int linkType) throws IOException {
        if (linkType < 0 || linkType > 0xFFFF) {
            throw new IllegalArgumentException("bad link type " + linkType + ": expected 0..65535");
        }
        this.stream = new CaptureStream(out);
        this.linkType = linkType;
        byte[] header = new byte[FILE_HEADER_LEN];
        CaptureStream.putLe32(header, 0, MAGIC_NANOSECONDS);
        CaptureStream.putLe16(header, 4, VERSION_MAJOR);
        CaptureStream.putLe16(header, 6, VERSION_MINOR);
        CaptureStream.putLe32(header, 16, SNAPLEN);
        CaptureStream.putLe32(header, 20, linkType);
        stream.write(header, 0, header.length);
        stream.flushHeaders();
    }

    /** The link type in the file header. */
    public int linkType() {
        return linkType;
    }

    /**
     * Returns 0, the only capture point of a classic pcap file, if {@code linkType} is the file's.
     *
     * @throws IllegalArgumentException for any other link type
     */
    @Override
    public int addInterface(String name, String description, int linkType) {
        if (linkType != this.linkType) {
            throw new IllegalArgumentException(
                    "classic pcap holds one link type; use .pcapng for several capture points");
        }
        return 0;
    }

    /** Appends one packet record; the comment is ignored, as classic pcap has nowhere to put it. */
    @Override
    public void write(int interfaceId, long epochNanos, ByteBuffer buf, int offset, int length, String comment) {
        if (interfaceId != 0) {
            throw new IllegalArgumentException("no capture point " + interfaceId + ": a classic pcap file has only 0");
        }
        CaptureStream.checkRange(buf, offset, length);
        int captured = Math.min(length, SNAPLEN);
        synchronized (stream) {
            if (!stream.accepting()) {
                return;
            }
            CaptureStream.putLe32(record, 0, (int) Math.floorDiv(epochNanos, 1_000_000_000L));
            CaptureStream.putLe32(record, 4, (int) Math.floorMod(epochNanos, 1_000_000_000L));
            CaptureStream.putLe32(record, 8, captured);
            CaptureStream.putLe32(record, 12, length);
            try {
                stream.write(record, 0, RECORD_HEADER_LEN);
                stream.writeFrom(buf, offset, captured);
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
}
