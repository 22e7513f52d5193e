package dev.vnet.core.capture;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A capture filter in tcpdump's language (pcap-filter(7)), or the part of it vnet's lab needs, evaluated
 * in Java on each frame: {@code vnet capture node-1 'icmp and host 10.244.1.2'}.
 *
 * <pre>
 * expr      := term (("or" | "||") term)*
 * term      := factor (("and" | "&amp;&amp;") factor)*
 * factor    := ("not" | "!") factor | "(" expr ")" | primitive
 * primitive := "arp" | "ip" | "icmp" | "tcp" | "udp" | "vxlan"
 *            | ["src" | "dst"] "host" A.B.C.D
 *            | ["src" | "dst"] "net" A.B.C.D/N
 *            | ["tcp" | "udp"] ["src" | "dst"] "port" N
 *            | "ether" ("host" | "src" ["host"] | "dst" ["host"]) aa:bb:cc:dd:ee:ff
 * </pre>
 *
 * Keywords are case-insensitive. Two primitives side by side ("icmp arp") are an error: join them with
 * {@code and} or {@code or}. Parentheses and {@code not} nest at most 100 deep. Addresses are numeric:
 * no host names, no service names for ports.
 *
 * <p>Each primitive means what tcpdump compiles it to, on the outermost headers only: a VXLAN packet
 * matches {@code udp}, {@code port 4789} and {@code vxlan} (UDP destination port 4789), never the
 * {@code icmp} inside it. {@code host} and {@code net} match the IPv4 source or destination, or the sender
 * or target protocol address of an ARP (or RARP) packet. {@code port} matches TCP, UDP and SCTP, and only
 * in the first fragment of an IPv4 datagram, the one that carries the ports. {@code tcp}, {@code udp} and
 * {@code port} also match IPv6, as in tcpdump; {@code ip}, {@code icmp}, {@code host} and {@code net}
 * are IPv4 only. On a bare-IP link ({@link CaptureSink#LINKTYPE_RAW}) {@code arp} and {@code ether}
 * match nothing. As in BPF, a frame too short for a byte the filter reads matches nothing, whatever
 * operators surround the primitive ({@code not tcp} included): a malformed frame never throws.
 *
 * <p>One difference from tcpdump, on purpose: here {@code and} binds tighter than {@code or}, as in most
 * languages, where tcpdump gives them equal precedence and groups left to right. {@code arp or icmp and
 * host 10.244.1.2} means {@code arp or (icmp and host 10.244.1.2)} here and {@code (arp or icmp) and host
 * 10.244.1.2} in tcpdump. {@link #toString} adds parentheses around every {@code and} inside an {@code or},
 * so its text means the same to both.
 */
public final class CaptureFilter {

    private static final CaptureFilter ALL = new CaptureFilter(null);

    /** Null for {@link #all()}. */
    private final FilterNode root;
    private final String text;

    private CaptureFilter(FilterNode root) {
        this.root = root;
        if (root == null) {
            this.text = "";
        } else {
            StringBuilder out = new StringBuilder();
            root.print(out);
            this.text = out.toString();
        }
    }

    /**
     * Parses an expression such as {@code "icmp and not host 10.244.1.1"}.
     *
     * @throws IllegalArgumentException with a one-line message naming the bad token, such as
     *     {@code bad capture filter "port x": expected a port number after "port"}; an empty expression is
     *     an error too (use {@link #all()} to capture everything)
     */
    public static CaptureFilter parse(String expression) {
        Objects.requireNonNull(expression, "expression");
        return new CaptureFilter(FilterParser.parse(expression));
    }

    /** The filter that matches every frame, as capturing with no filter does. */
    public static CaptureFilter all() {
        return ALL;
    }

    /**
     * True if the frame in bytes {@code [offset, offset + length)} of {@code buf} matches. The buffer is
     * borrowed and left as it was; nothing is allocated. Bytes past the buffer's limit count as missing.
     *
     * @param linkType {@link CaptureSink#LINKTYPE_ETHERNET} if the frame starts with an Ethernet header,
     *     {@link CaptureSink#LINKTYPE_RAW} if with an IP header
     * @throws IllegalArgumentException for another link type: the capture point was set up wrongly
     */
    public boolean matches(ByteBuffer buf, int offset, int length, int linkType) {
        if (linkType != CaptureSink.LINKTYPE_ETHERNET && linkType != CaptureSink.LINKTYPE_RAW) {
            throw new IllegalArgumentException("capture filters read link types "
                    + CaptureSink.LINKTYPE_ETHERNET + " (Ethernet) and " + CaptureSink.LINKTYPE_RAW
                    + " (raw IP), not " + linkType);
        }
        if (root == null) {
            return true;
        }
        int limit = buf.limit();
        if (offset < 0 || length < 0 || offset > limit) {
            return false;
        }
        int end = length > limit - offset ? limit : offset + length;
        return root.eval(buf, offset, end, linkType) == FilterNode.MATCH;
    }

    /** True for {@link #all()}: stages may skip calling {@link #matches} at all. */
    public boolean matchesAll() {
        return root == null;
    }

    /**
     * The expression in normal form: lower-case keywords, {@code and}/{@code or}/{@code not} for the
     * symbols, parentheses only where needed (and around each {@code and} inside an {@code or});
     * {@code ""} for {@link #all()}, which is also what tcpdump takes for "everything". Parsing the text
     * of any other filter gives an equal filter.
     */
    @Override
    public String toString() {
        return text;
    }

    /** Filters are equal if their normal forms are. */
    @Override
    public boolean equals(Object other) {
        return other instanceof CaptureFilter filter && filter.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
