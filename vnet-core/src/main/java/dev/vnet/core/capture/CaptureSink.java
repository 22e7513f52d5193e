package dev.vnet.core.capture;

import java.io.Closeable;
import java.nio.ByteBuffer;

/**
 * Where captured frames go: a capture file that Wireshark, tshark or tcpdump can read, written as the frames
 * pass. {@link PcapWriter} writes classic pcap (one capture point per file), {@link PcapngWriter} writes
 * pcapng (several capture points, and a comment on each packet).
 *
 * <p>Implementations are thread-safe: several data-path threads may write at once. A sink never throws
 * from {@link #write} because its stream failed (a closed Wireshark pipe, a full disk): it drops the packet
 * and counts the drop, and {@link #flush} or {@link #close} report the failure.
 */
public interface CaptureSink extends Closeable {

    /** Link type of frames that start with an Ethernet II header (LINKTYPE_ETHERNET, tcpdump's EN10MB). */
    int LINKTYPE_ETHERNET = 1;

    /** Link type of bare IP packets with no link-layer header, as read from a TUN device (LINKTYPE_RAW). */
    int LINKTYPE_RAW = 101;

    /**
     * Declares a capture point, such as a bridge port or the VXLAN underlay, and returns the id to pass to
     * {@link #write}. {@code name} is what Wireshark shows as the interface name ("node-1/veth-pod-a");
     * {@code description} may be null. {@code linkType} is {@link #LINKTYPE_ETHERNET} or
     * {@link #LINKTYPE_RAW}.
     *
     * @throws IllegalArgumentException if this sink cannot hold another capture point of that link type
     */
    int addInterface(String name, String description, int linkType);

    /**
     * Appends one packet: {@code length} bytes of {@code buf} from absolute index {@code offset}, seen at
     * {@code epochNanos} (nanoseconds since 1970-01-01T00:00Z, not {@code System.nanoTime}). The buffer is
     * borrowed: the bytes are copied before this returns, and its position and limit are not touched.
     * {@code comment} (may be null) says what the stage did with the packet, such as
     * "DNAT 10.96.0.2:80 -> 10.244.2.3:8080"; formats without comments ignore it.
     *
     * @throws IllegalArgumentException if {@code interfaceId} was not returned by {@link #addInterface}
     */
    void write(int interfaceId, long epochNanos, ByteBuffer buf, int offset, int length, String comment);

    /**
     * Pushes buffered packets to the underlying stream and flushes it.
     *
     * @throws java.io.UncheckedIOException if the stream failed, now or at an earlier write
     */
    void flush();
}
