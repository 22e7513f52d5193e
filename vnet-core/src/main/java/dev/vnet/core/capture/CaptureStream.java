package dev.vnet.core.capture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The byte stream under a capture writer: a buffer in front of the caller's stream, a reusable array for
 * copying out of direct buffers, the packet counters, and the first I/O failure, after which every packet
 * is dropped. Not thread-safe: the writers call it while holding its monitor ({@code synchronized (stream)}).
 */
final class CaptureStream {

    /**
     * Largest packet kept whole; longer ones are cut, and the record keeps their original length. tcpdump's
     * default, 256 KiB: an offloaded super-frame (a 64 KiB IP packet plus its Ethernet header) is kept whole.
     */
    static final int SNAPLEN = 262144;

    private final OutputStream out;
    private byte[] copy = new byte[2048];
    private boolean flushEachPacket;
    private boolean closed;
    private IOException failure;
    private long packetsWritten;
    private long packetsDropped;

    CaptureStream(OutputStream out) {
        this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), 1 << 16);
    }

    /** Checks that {@code [offset, offset + length)} lies inside the buffer's limit; a bad range is a bug. */
    static void checkRange(ByteBuffer buf, int offset, int length) {
        Objects.requireNonNull(buf, "buf");
        Objects.checkFromIndexSize(offset, length, buf.limit());
    }

    void setFlushEachPacket(boolean flushEachPacket) {
        this.flushEachPacket = flushEachPacket;
    }

    /** True if a packet may be written now; false, counting a drop, once the stream failed or closed. */
    boolean accepting() {
        if (closed || failure != null) {
            packetsDropped++;
            return false;
        }
        return true;
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
    }

    /** Writes bytes of a borrowed buffer: straight from its array if it has one, else through a copy. */
    void writeFrom(ByteBuffer buf, int offset, int length) throws IOException {
        if (buf.hasArray()) {
            out.write(buf.array(), buf.arrayOffset() + offset, length);
            return;
        }
        if (copy.length < length) {
            copy = new byte[Math.max(length, copy.length * 2)];
        }
        buf.get(offset, copy, 0, length);
        out.write(copy, 0, length);
    }

    /** Counts a written packet and flushes if asked to for each one. */
    void packetDone() throws IOException {
        if (flushEachPacket) {
            out.flush();
        }
        packetsWritten++;
    }

    /** Records a failed packet write: the packet is dropped, and so is every later one. */
    void fail(IOException e) {
        failWithoutPacket(e);
        packetsDropped++;
    }

    /** Records a failed write of something other than a packet, such as an interface's description. */
    void failWithoutPacket(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    /** True once the stream has failed or been closed: nothing more is written to it. */
    boolean stopped() {
        return closed || failure != null;
    }

    /** Flushes now, for the headers a writer puts out before any packet; throws what the stream throws. */
    void flushHeaders() throws IOException {
        out.flush();
    }

    /** Flushes, or throws the failure that stopped the stream. */
    void flush() {
        if (failure == null && !closed) {
            try {
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw new UncheckedIOException("capture stream failed: " + failure.getMessage(), failure);
        }
    }

    /** Flushes and closes the caller's stream; throws the first failure, so a cut-short file is noticed. */
    void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    IOException failure() {
        return failure;
    }

    long packetsWritten() {
        return packetsWritten;
    }

    long packetsDropped() {
        return packetsDropped;
    }

    static void putLe16(byte[] a, int at, int value) {
        a[at] = (byte) value;
        a[at + 1] = (byte) (value >>> 8);
    }

    static void putLe32(byte[] a, int at, int value) {
        a[at] = (byte) value;
        a[at + 1] = (byte) (value >>> 8);
        a[at + 2] = (byte) (value >>> 16);
        a[at + 3] = (byte) (value >>> 24);
    }

    static void putLe64(byte[] a, int at, long value) {
        putLe32(a, at, (int) value);
        putLe32(a, at + 4, (int) (value >>> 32));
    }
}
