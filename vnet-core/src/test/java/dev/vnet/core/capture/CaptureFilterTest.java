package dev.vnet.core.capture;

import static dev.vnet.core.capture.CaptureSink.LINKTYPE_ETHERNET;
import static dev.vnet.core.capture.CaptureSink.LINKTYPE_RAW;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class CaptureFilterTest {

    static final Map<String, byte[]> LAB = CaptureFrames.lab();

    /**
     * Expression, and the frames of {@link CaptureFrames#lab()} it matches; it must match no other. The
     * truncated frames match only where every byte the filter reads is there.
     */
    static final String[][] ETHERNET_CASES = {
        {"arp", "arp-request arp-reply"},
        {"ip", "icmp-gw icmp-c tcp-syn tcp-options dns vxlan frag1 frag2 trunc-ip trunc-ports"},
        {"icmp", "icmp-gw icmp-c"}, // not the ICMP inside VXLAN: outermost headers only
        {"tcp", "tcp-syn tcp-options ipv6-frag-tcp"},
        {"udp", "dns vxlan frag1 frag2 ipv6-udp trunc-ports"},
        {"vxlan", "vxlan"},
        {"port 53", "dns frag1 ipv6-udp"}, // not frag2, whose data only looks like ports
        {"src port 53", "frag1"},
        {"dst port 53", "dns ipv6-udp"},
        {"port 45000", "dns trunc-ports"}, // the source port is there, and matches first
        {"port 80", "tcp-syn"}, // not ipv6-frag-tcp: IPv6 ports only without extension headers
        {"port 8080", "tcp-options"}, // after a 24-byte IPv4 header
        {"tcp port 80", "tcp-syn"},
        {"udp port 80", ""},
        {"tcp dst port 8080", "tcp-options"},
        {"udp src port 53", "frag1"},
        {"port 4789", "vxlan"},
        {"port 5353", "frag1 ipv6-udp"},
        {"host 10.244.1.2", "arp-request arp-reply icmp-gw icmp-c tcp-syn tcp-options dns frag1 frag2 trunc-ports"},
        {"src host 10.244.1.2", "arp-request icmp-gw icmp-c tcp-syn tcp-options dns frag1 frag2 trunc-ports"},
        {"dst host 10.244.1.2", "arp-reply"},
        {"host 10.244.1.1", "arp-request arp-reply icmp-gw"},
        {"dst host 10.244.2.2", "icmp-c frag1 frag2"},
        {"net 10.244.0.0/16", "arp-request arp-reply icmp-gw icmp-c tcp-syn tcp-options dns frag1 frag2 trunc-ports"},
        {"dst net 10.96.0.0/12", "tcp-syn tcp-options dns trunc-ports"},
        {"src net 192.168.56.0/24", "vxlan"},
        // Any IPv4 or ARP packet, without reading an address (as libpcap optimizes it), so trunc-ip too.
        {"net 0.0.0.0/0", "arp-request arp-reply icmp-gw icmp-c tcp-syn tcp-options dns vxlan frag1 frag2 trunc-ip"
            + " trunc-ports"},
        {"ether host 0a:58:0a:f4:01:02", "arp-request arp-reply icmp-gw icmp-c tcp-syn tcp-options dns frag1 frag2"
            + " ipv6-udp ipv6-frag-tcp trunc-ip trunc-ports trunc-eth"},
        {"ether src 0a:58:0a:f4:01:01", "arp-reply"},
        {"ether dst host ff:ff:ff:ff:ff:ff", "arp-request"},
        {"not arp", "icmp-gw icmp-c tcp-syn tcp-options dns vxlan frag1 frag2 ipv6-udp ipv6-frag-tcp trunc-ip"
            + " trunc-ports"}, // not trunc-eth: no EtherType to read
        {"not tcp", "arp-request arp-reply icmp-gw icmp-c dns vxlan frag1 frag2 ipv6-udp trunc-ports"},
        {"! port 53", "arp-request arp-reply icmp-gw icmp-c tcp-syn tcp-options vxlan frag2 ipv6-frag-tcp"},
        // Precedence: not, then and, then or.
        {"arp or icmp and dst host 10.244.2.2", "arp-request arp-reply icmp-c"},
        {"(arp or icmp) and dst host 10.244.2.2", "icmp-c"},
        {"tcp or udp and port 53", "tcp-syn tcp-options ipv6-frag-tcp dns frag1 ipv6-udp"},
        {"tcp || udp && port 53", "tcp-syn tcp-options ipv6-frag-tcp dns frag1 ipv6-udp"},
        {"(tcp or udp) and port 53", "dns frag1 ipv6-udp"},
        {"not icmp and udp", "dns vxlan frag1 frag2 ipv6-udp trunc-ports"},
        {"not (icmp or udp)", "arp-request arp-reply tcp-syn tcp-options ipv6-frag-tcp"},
        {"NOT ARP AND NOT IP", "ipv6-udp ipv6-frag-tcp"},
        {"not not arp", "arp-request arp-reply"},
        {"icmp and not host 10.244.1.1", "icmp-c"},
        {"udp and not vxlan", "dns frag1 frag2 ipv6-udp"},
        {"host 10.244.1.2 and (icmp or arp)", "arp-request arp-reply icmp-gw icmp-c"},
    };

    /** The IP frames without their Ethernet header, as a TUN device carries them. */
    static final Map<String, byte[]> TUN = new LinkedHashMap<>();

    static {
        for (String name : List.of("icmp-gw", "tcp-syn", "dns", "vxlan", "frag1", "frag2", "ipv6-udp")) {
            TUN.put(name, CaptureFrames.raw(LAB.get(name)));
        }
        TUN.put("trunc-raw", Arrays.copyOf(TUN.get("icmp-gw"), 6));
        TUN.put("empty", new byte[0]);
    }

    static final String[][] RAW_CASES = {
        {"ip", "icmp-gw tcp-syn dns vxlan frag1 frag2 trunc-raw"},
        {"not ip", "ipv6-udp"},
        {"arp", ""},
        {"not arp", "icmp-gw tcp-syn dns vxlan frag1 frag2 ipv6-udp trunc-raw empty"}, // reads nothing
        {"icmp", "icmp-gw"},
        {"tcp", "tcp-syn"},
        {"udp", "dns vxlan frag1 frag2 ipv6-udp"},
        {"vxlan", "vxlan"},
        {"port 53", "dns frag1 ipv6-udp"},
        {"host 10.244.1.2", "icmp-gw tcp-syn dns frag1 frag2"},
        {"ether host 0a:58:0a:f4:01:02", ""},
        {"not ether host 0a:58:0a:f4:01:02", "icmp-gw tcp-syn dns vxlan frag1 frag2 ipv6-udp trunc-raw empty"},
    };

    static Set<String> matching(CaptureFilter filter, Map<String, byte[]> frames, int linkType) {
        Set<String> names = new TreeSet<>();
        frames.forEach((name, frame) -> {
            if (filter.matches(ByteBuffer.wrap(frame), 0, frame.length, linkType)) {
                names.add(name);
            }
        });
        return names;
    }

    static Set<String> names(String spaceSeparated) {
        return Arrays.stream(spaceSeparated.split(" ")).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void checkTable(String[][] cases, Map<String, byte[]> frames, int linkType) {
        List<Executable> checks = new ArrayList<>();
        for (String[] c : cases) {
            checks.add(() -> assertEquals(names(c[1]), matching(CaptureFilter.parse(c[0]), frames, linkType),
                    "\"" + c[0] + "\""));
            assertTrue(frames.keySet().containsAll(names(c[1])), c[1]);
        }
        assertAll(checks);
    }

    @Test
    void ethernetFrames() {
        checkTable(ETHERNET_CASES, LAB, LINKTYPE_ETHERNET);
    }

    @Test
    void rawIpPackets() {
        checkTable(RAW_CASES, TUN, LINKTYPE_RAW);
    }

    @Test
    void allMatchesEverything() {
        CaptureFilter all = CaptureFilter.all();
        assertEquals(LAB.keySet(), new java.util.LinkedHashSet<>(matching(all, LAB, LINKTYPE_ETHERNET)));
        assertTrue(all.matchesAll());
        assertFalse(CaptureFilter.parse("ip").matchesAll());
        assertEquals("", all.toString());
    }

    @Test
    void readsTheFrameWhereItLiesAndLeavesTheBufferAlone() {
        byte[] frame = LAB.get("dns");
        ByteBuffer buf = ByteBuffer.allocateDirect(200);
        buf.put(50, frame);
        buf.position(10).limit(150);
        CaptureFilter filter = CaptureFilter.parse("udp and dst port 53 and src host 10.244.1.2");
        assertTrue(filter.matches(buf, 50, frame.length, LINKTYPE_ETHERNET));
        assertFalse(filter.matches(buf, 49, frame.length, LINKTYPE_ETHERNET));
        assertEquals(10, buf.position());
        assertEquals(150, buf.limit());
        // A length past the limit counts only the bytes up to it; nonsense ranges match nothing.
        assertTrue(filter.matches(buf, 50, 10_000, LINKTYPE_ETHERNET));
        assertFalse(CaptureFilter.parse("not arp").matches(buf, 145, 10_000, LINKTYPE_ETHERNET));
        assertFalse(filter.matches(buf, -1, frame.length, LINKTYPE_ETHERNET));
        assertFalse(filter.matches(buf, 50, -1, LINKTYPE_ETHERNET));
        assertFalse(filter.matches(buf, 151, 1, LINKTYPE_ETHERNET));
    }

    @Test
    void otherLinkTypesAreABug() {
        byte[] frame = LAB.get("dns");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CaptureFilter.parse("udp").matches(ByteBuffer.wrap(frame), 0, frame.length, 113));
        assertEquals("capture filters read link types 1 (Ethernet) and 101 (raw IP), not 113", e.getMessage());
    }

    @Test
    void malformedFramesNeverThrow() {
        List<CaptureFilter> filters = new ArrayList<>();
        for (String[] c : ETHERNET_CASES) {
            filters.add(CaptureFilter.parse(c[0]));
        }
        Random random = new Random(42);
        for (byte[] frame : LAB.values()) {
            for (int length = 0; length <= frame.length; length++) {
                byte[] cut = Arrays.copyOf(frame, length);
                byte[] noise = cut.clone();
                for (int i = 0; i < noise.length; i++) {
                    if (random.nextInt(8) == 0) {
                        noise[i] = (byte) random.nextInt(256);
                    }
                }
                for (CaptureFilter filter : filters) {
                    for (byte[] bytes : List.of(cut, noise)) {
                        filter.matches(ByteBuffer.wrap(bytes), 0, bytes.length, LINKTYPE_ETHERNET);
                        filter.matches(ByteBuffer.wrap(bytes), 0, bytes.length, LINKTYPE_RAW);
                    }
                }
            }
        }
        // An IHL of 15 sends the port loads past the end: no match, no exception.
        byte[] wild = LAB.get("dns").clone();
        wild[14] = 0x4F;
        assertFalse(CaptureFilter.parse("port 53").matches(ByteBuffer.wrap(wild), 0, wild.length, LINKTYPE_ETHERNET));
        assertFalse(CaptureFilter.parse("not port 53").matches(ByteBuffer.wrap(wild), 0, wild.length,
                LINKTYPE_ETHERNET));
    }

    @Test
    void evaluationAllocatesNothing() {
        CaptureFilter filter = CaptureFilter.parse(
                "(arp or icmp and not host 10.244.1.1) or (udp and port 53) or ether src 0a:58:0a:f4:01:01"
                        + " or dst net 10.96.0.0/12 or vxlan or tcp port 80");
        ByteBuffer[] frames = LAB.values().stream().map(ByteBuffer::wrap).toArray(ByteBuffer[]::new);
        int[] matched = new int[1];
        long bytes = AllocationMeter.bytesAllocated(20_000, () -> {
            for (ByteBuffer frame : frames) {
                if (filter.matches(frame, 0, frame.limit(), LINKTYPE_ETHERNET)) {
                    matched[0]++;
                }
            }
        });
        assertTrue(bytes < 64 * 1024, bytes + " bytes allocated for " + 20_000 * frames.length + " evaluations");
        assertTrue(matched[0] > 0);
    }

    @Test
    void normalForm() {
        String[][] cases = {
            {"ARP", "arp"},
            {"icmp && !host 10.244.1.1", "icmp and not host 10.244.1.1"},
            {"arp or icmp and host 10.244.1.1", "arp or (icmp and host 10.244.1.1)"},
            {"arp and icmp or host 10.244.1.1", "(arp and icmp) or host 10.244.1.1"},
            {"(tcp or udp) and port 53", "(tcp or udp) and port 53"},
            {"((tcp))", "tcp"},
            {"tcp and (udp and arp)", "tcp and udp and arp"},
            {"(tcp or udp) or (arp or ip)", "tcp or udp or arp or ip"},
            {"not (tcp or udp)", "not (tcp or udp)"},
            {"not (tcp and udp)", "not (tcp and udp)"},
            {"!!tcp", "not not tcp"},
            {"TCP Port 80", "tcp port 80"},
            {"udp dst port 53", "udp dst port 53"},
            {"ether src host 0A:58:0A:F4:01:01", "ether src 0a:58:0a:f4:01:01"},
            {"ether host 0a:58:0a:f4:01:01", "ether host 0a:58:0a:f4:01:01"},
            {"net 10.0.0.1/32", "host 10.0.0.1"},
            {"vxlan", "vxlan"},
            {"src net 10.244.0.0/16 || dst port 80", "src net 10.244.0.0/16 or dst port 80"},
            {"host 10.244.1.2&&(icmp||arp)", "host 10.244.1.2 and (icmp or arp)"},
        };
        List<Executable> checks = new ArrayList<>();
        for (String[] c : cases) {
            checks.add(() -> {
                CaptureFilter filter = CaptureFilter.parse(c[0]);
                assertEquals(c[1], filter.toString(), c[0]);
                assertEquals(filter, CaptureFilter.parse(filter.toString()));
                assertEquals(filter.hashCode(), CaptureFilter.parse(filter.toString()).hashCode());
            });
        }
        assertAll(checks);
    }

    @Test
    void nestingUpToTheLimitParses() {
        assertEquals("tcp", CaptureFilter.parse("(".repeat(100) + "tcp" + ")".repeat(100)).toString());
        assertEquals("not ".repeat(100) + "tcp", CaptureFilter.parse("! ".repeat(100) + "tcp").toString());
    }

    @Test
    void parseErrors() {
        String[][] cases = {
            {"", "empty expression"},
            {"   ", "empty expression"},
            {"hots 10.0.0.1", "unknown keyword \"hots\""},
            {"tcp and", "expected a primitive after \"and\""},
            {"and tcp", "expected a primitive, found \"and\""},
            {"tcp or or udp", "expected a primitive after \"or\", found \"or\""},
            {"not", "expected a primitive after \"not\""},
            {"(tcp", "missing \")\" for the \"(\" at column 1"},
            {"tcp and ((udp)", "missing \")\" for the \"(\" at column 9"},
            {"tcp)", "\")\" at column 4 has no matching \"(\""},
            {"()", "expected a primitive after \"(\", found \")\""},
            {"(tcp or) and udp", "expected a primitive after \"or\", found \")\""},
            {"port x", "expected a port number after \"port\""},
            {"port", "expected a port number after \"port\""},
            {"port -1", "expected a port number after \"port\""},
            {"port 70000", "port 70000 is out of range 0..65535"},
            {"port 123456789012", "port 123456789012 is out of range 0..65535"},
            {"host", "expected an IPv4 address after \"host\""},
            {"host web", "expected an IPv4 address after \"host\""},
            {"src host (", "expected an IPv4 address after \"host\""},
            {"host 10.0.0.300", "bad IPv4 address \"10.0.0.300\": 300 is larger than 255"},
            {"host 10.0.0", "bad IPv4 address \"10.0.0\": expected four numbers separated by dots, like 10.244.1.5"},
            {"net 10.0.0.1/8", "bad CIDR \"10.0.0.1/8\": host bits are set, did you mean 10.0.0.0/8?"},
            {"net 10.0.0.0/33", "bad CIDR \"10.0.0.0/33\": prefix length must be 0..32"},
            {"net 10.0.0.0", "expected a prefix like 10.244.0.0/16 after \"net\", found \"10.0.0.0\""},
            {"ether host 0a:58", "bad MAC address \"0a:58\": expected six hex octets like 0a:58:0a:f4:01:05"},
            {"ether host pod-a", "expected a MAC address like 0a:58:0a:f4:01:05 after \"host\""},
            {"ether 0a:58:0a:f4:01:02", "expected \"host\", \"src\" or \"dst\" after \"ether\""},
            {"src 10.0.0.1", "expected \"host\", \"net\" or \"port\" after \"src\""},
            {"tcp src host 10.0.0.1", "expected \"port\" after \"src\""},
            {"icmp arp", "expected \"and\" or \"or\" before \"arp\""},
            {"tcp port 80 udp", "expected \"and\" or \"or\" before \"udp\""},
            {"host 10.0.0.1 10.0.0.2", "expected \"and\" or \"or\" before \"10.0.0.2\""},
            {"(icmp arp)", "expected \"and\", \"or\" or \")\" before \"arp\""},
            {"tcp & udp", "unknown operator \"&\" at column 5; use \"and\" or \"&&\""},
            {"tcp | udp", "unknown operator \"|\" at column 5; use \"or\" or \"||\""},
            {"10.0.0.1", "\"10.0.0.1\" needs a keyword before it, such as \"host\" or \"port\""},
            {"(".repeat(200) + "tcp" + ")".repeat(200), "nested more than 100 deep at column 101"},
            {"not ".repeat(101) + "tcp", "nested more than 100 deep at column 401"},
        };
        List<Executable> checks = new ArrayList<>();
        for (String[] c : cases) {
            checks.add(() -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> CaptureFilter.parse(c[0]), c[0]);
                assertEquals("bad capture filter \"" + c[0] + "\": " + c[1], e.getMessage());
                assertFalse(e.getMessage().contains("\n"));
            });
        }
        assertAll(checks);
    }
}
