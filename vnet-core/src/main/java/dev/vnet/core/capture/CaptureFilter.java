package dev.vnet.core.capture;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A capture filter in tcpdump's language, pcap-filter(7), compiled by the system's libpcap just as tcpdump
 * compiles it and run on each frame with libpcap's {@code pcap_offline_filter}:
 * {@code vnet capture node-1 --filter 'icmp and host 10.244.1.2'}. Whatever libpcap accepts is a filter, with
 * libpcap's meaning: {@code not} binds tightest, {@code and} and {@code or} have equal precedence and group left
 * to right ({@code arp or icmp and host 10.244.1.2} is {@code (arp or icmp) and host 10.244.1.2}). Host and port
 * names are resolved by libpcap when the filter is parsed, as tcpdump does.
 *
 * <p>libpcap 1.10 (Debian 12) has no {@code vxlan} primitive: VXLAN is {@code udp port 4789}. A libpcap that
 * knows {@code vxlan} is used with its meaning.
 *
 * <p>The expression is compiled once for each link type a capture point carries: Ethernet
 * ({@link CaptureSink#LINKTYPE_ETHERNET}) and bare IP ({@link CaptureSink#LINKTYPE_RAW}, the node TUN). Where
 * libpcap refuses it for one of them ({@code ether host} on bare IP) or proves that nothing can match there
 * ({@code arp} on bare IP), it matches nothing at points of that link type; it must be usable on at least one,
 * or parsing fails with libpcap's message for Ethernet.
 *
 * <p>Matching is BPF's: a frame too short for a byte the program loads does not match, whatever operators
 * surround the primitive ({@code not tcp} included), and a malformed frame never throws. Each data-path thread
 * copies the frame into its own native buffer, behind its own {@code struct pcap_pkthdr}, so evaluating
 * allocates nothing and any number of threads may share one filter: the compiled program is only read.
 */
public final class CaptureFilter {

    private static final CaptureFilter ALL = new CaptureFilter("", null, null);

    /** A mention of "vxlan" that libpcap refused: say what this libpcap calls VXLAN instead. */
    private static final Pattern VXLAN = Pattern.compile("(?i)\\bvxlan\\b");

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final String text;
    /** Null: nothing matches on this link type (or, for {@link #all()}, everything). */
    private final PcapProgram ethernet;
    private final PcapProgram raw;

    private CaptureFilter(String text, PcapProgram ethernet, PcapProgram raw) {
        this.text = text;
        this.ethernet = ethernet;
        this.raw = raw;
    }

    /**
     * Compiles an expression such as {@code "icmp and not host 10.244.1.1"}; a blank one is {@link #all()}, as
     * in tcpdump.
     *
     * @throws IllegalArgumentException with a one-line message naming the filter and libpcap's reason, such as
     *     {@code bad capture filter "tcp prot 80": syntax error}; or, if libpcap is not installed, one that says
     *     to install libpcap0.8
     */
    public static CaptureFilter parse(String expression) {
        Objects.requireNonNull(expression, "expression");
        String text = expression.strip();
        if (text.isEmpty()) {
            return ALL;
        }
        if (LibPcap.unavailable() != null) {
            throw new IllegalArgumentException(LibPcap.unavailable());
        }
        String ethernetError = null;
        PcapProgram ethernet = null;
        PcapProgram raw = null;
        try {
            ethernet = PcapProgram.compile(text, LibPcap.DLT_EN10MB);
        } catch (IllegalArgumentException e) {
            ethernetError = e.getMessage();
        }
        try {
            raw = PcapProgram.compile(text, LibPcap.DLT_RAW);
        } catch (IllegalArgumentException e) {
            // nothing matches at the TUN points; Ethernet's verdict decides whether the filter is good
        }
        if (ethernet == null && raw == null) {
            throw new IllegalArgumentException("bad capture filter \"" + expression + "\": " + ethernetError
                    + vxlanHint(text, ethernetError));
        }
        return new CaptureFilter(text, ethernet, raw);
    }

    private static String vxlanHint(String text, String error) {
        if (!VXLAN.matcher(text).find() || PcapProgram.REJECTS_ALL.equals(error)) {
            return "";
        }
        return " (" + libpcapVersion() + " has no \"vxlan\": VXLAN is \"udp port 4789\")";
    }

    /** "libpcap 1.10.3", from "libpcap version 1.10.3 (with TPACKET_V3)". */
    static String libpcapVersion() {
        String version = LibPcap.pcap_lib_version();
        return version.replaceFirst("^libpcap version (\\S+).*$", "libpcap $1");
    }

    /** The filter that matches every frame, as capturing with no filter does; it needs no libpcap. */
    public static CaptureFilter all() {
        return ALL;
    }

    /**
     * True if the frame in bytes {@code [offset, offset + length)} of {@code buf} matches. The buffer is
     * borrowed and left as it was; nothing is allocated. Bytes past the buffer's limit count as missing (BPF
     * sees a frame cut short), and a nonsense range matches nothing.
     *
     * @param linkType {@link CaptureSink#LINKTYPE_ETHERNET} if the frame starts with an Ethernet header,
     *     {@link CaptureSink#LINKTYPE_RAW} if with an IP header
     * @throws IllegalArgumentException for another link type: the capture point was set up wrongly
     */
    public boolean matches(ByteBuffer buf, int offset, int length, int linkType) {
        PcapProgram program;
        if (linkType == CaptureSink.LINKTYPE_ETHERNET) {
            program = ethernet;
        } else if (linkType == CaptureSink.LINKTYPE_RAW) {
            program = raw;
        } else {
            throw new IllegalArgumentException("capture filters read link types "
                    + CaptureSink.LINKTYPE_ETHERNET + " (Ethernet) and " + CaptureSink.LINKTYPE_RAW
                    + " (raw IP), not " + linkType);
        }
        if (this == ALL) {
            return true;
        }
        int limit = buf.limit();
        if (program == null || offset < 0 || length < 0 || offset > limit) {
            return false;
        }
        int caplen = Math.min(Math.min(length, limit - offset), Scratch.FRAME);
        Scratch scratch = SCRATCH.get();
        scratch.view.put(Scratch.HEADER, buf, offset, caplen);
        scratch.view.putInt(Scratch.CAPLEN, caplen);
        scratch.view.putInt(Scratch.LEN, length);
        int verdict = LibPcap.pcap_offline_filter(program.address(), scratch.address, scratch.address
                + Scratch.HEADER);
        Reference.reachabilityFence(program); // its memory must outlive the native call
        return verdict != 0;
    }

    /** True for {@link #all()}: stages may skip calling {@link #matches} at all. */
    public boolean matchesAll() {
        return this == ALL;
    }

    /** The expression as given, without surrounding blanks; {@code ""} for {@link #all()}. */
    @Override
    public String toString() {
        return text;
    }

    /** Filters are equal if their expressions are the same text. */
    @Override
    public boolean equals(Object other) {
        return other instanceof CaptureFilter filter && filter.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /**
     * One thread's {@code struct pcap_pkthdr} and frame copy, in one native block:
     * <pre>
     * struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; };   then the frame
     * </pre>
     * The timestamp stays zero: filters never read it.
     */
    private static final class Scratch {
        static final int CAPLEN = 2 * Native.LONG_SIZE;
        static final int LEN = CAPLEN + 4;
        static final int HEADER = (LEN + 4 + 7) & ~7; // the frame 8-aligned
        /** Longest frame evaluated whole; a longer one is cut here, as a capture's snap length cuts it. */
        static final int FRAME = 65536;

        final Memory memory = new Memory(HEADER + FRAME);
        final long address = Pointer.nativeValue(memory);
        final ByteBuffer view = memory.getByteBuffer(0, HEADER + FRAME).order(ByteOrder.nativeOrder());

        Scratch() {
            memory.clear(HEADER);
        }
    }
}
