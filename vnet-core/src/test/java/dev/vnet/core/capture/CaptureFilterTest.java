package dev.vnet.core.capture;

import static dev.vnet.core.capture.CaptureSink.LINKTYPE_ETHERNET;
import static dev.vnet.core.capture.CaptureSink.LINKTYPE_RAW;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import org.junit.jupiter.api.Assumptions;
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
        {"udp dst port 4789", "vxlan"}, // libpcap 1.10 has no "vxlan"
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
        // Precedence as tcpdump's: not binds tightest; and and or are equal and group left to right.
        {"arp or icmp and dst host 10.244.2.2", "icmp-c"},
        {"(arp or icmp) and dst host 10.244.2.2", "icmp-c"},
        {"arp or (icmp and dst host 10.244.2.2)", "arp-request arp-reply icmp-c"},
        {"icmp or arp and src host 10.244.1.1", "arp-reply"},
        {"tcp or udp and port 53", "dns frag1 ipv6-udp"},
        {"tcp || udp && port 53", "dns frag1 ipv6-udp"},
        {"(tcp or udp) and port 53", "dns frag1 ipv6-udp"},
        {"tcp or (udp and port 53)", "tcp-syn tcp-options ipv6-frag-tcp dns frag1 ipv6-udp"},
        {"udp and port 53 or tcp", "tcp-syn tcp-options ipv6-frag-tcp dns frag1 ipv6-udp"},
        {"not arp or icmp and host 10.244.1.1", "icmp-gw"},
        {"not icmp and udp", "dns vxlan frag1 frag2 ipv6-udp trunc-ports"},
        {"not (icmp or udp)", "arp-request arp-reply tcp-syn tcp-options ipv6-frag-tcp"},
        {"not arp and not ip", "ipv6-udp ipv6-frag-tcp"},
        {"not not arp", "arp-request arp-reply"},
        {"icmp and not host 10.244.1.1", "icmp-c"},
        {"udp and not udp dst port 4789", "dns frag1 frag2 ipv6-udp"},
        {"host 10.244.1.2 and (icmp or arp)", "arp-request arp-reply icmp-gw icmp-c"},
        // Beyond what vnet's own parser knew: anything libpcap compiles.
        {"ip proto 17 and udp[2:2] = 53", "dns"}, // udp[] reads only a first fragment: frag1 goes to 5353
        {"ip[8] = 64 and icmp[icmptype] = icmp-echo", "icmp-gw icmp-c"},
        {"ether broadcast", "arp-request"},
        {"ip6", "ipv6-udp ipv6-frag-tcp"},
        {"greater 100", "vxlan"},
        {"portrange 50-60", "dns frag1 ipv6-udp"},
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
        {"udp dst port 4789", "vxlan"},
        {"port 53", "dns frag1 ipv6-udp"},
        {"host 10.244.1.2", "icmp-gw tcp-syn dns frag1 frag2"},
        {"ip6", "ipv6-udp"},
        {"icmp or udp and port 53", "dns frag1 ipv6-udp"},
        // libpcap has no MAC addresses on bare IP (tcpdump refuses these): nothing matches at the TUN points.
        {"ether host 0a:58:0a:f4:01:02", ""},
        {"not ether host 0a:58:0a:f4:01:02", ""},
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

    /** One frame for each truth value of a = icmp, b = src host 10.244.1.2, c = dst host 10.244.2.2. */
    static final Map<String, byte[]> ABC = new LinkedHashMap<>();

    static {
        for (boolean a : new boolean[] {false, true}) {
            for (boolean b : new boolean[] {false, true}) {
                for (boolean c : new boolean[] {false, true}) {
                    int src = b ? CaptureFrames.POD_A : CaptureFrames.GATEWAY;
                    int dst = c ? CaptureFrames.POD_C : CaptureFrames.CLUSTER_DNS;
                    ABC.put(abcName(a, b, c), a ? CaptureFrames.icmpEcho(src, dst)
                            : CaptureFrames.tcpSyn(src, 40000, dst, 80));
                }
            }
        }
    }

    interface Truth {
        boolean of(boolean a, boolean b, boolean c);
    }

    /** Expressions over A, B and C (see {@link #ABC}), and what tcpdump makes of them. */
    static final Map<String, Truth> GROUPING = new LinkedHashMap<>();

    static {
        GROUPING.put("A or B and C", (a, b, c) -> (a || b) && c); // vnet's own parser read a || (b && c)
        GROUPING.put("A || B && C", (a, b, c) -> (a || b) && c);
        GROUPING.put("A and B or C", (a, b, c) -> (a && b) || c);
        GROUPING.put("A or (B and C)", (a, b, c) -> a || (b && c));
        GROUPING.put("not A or B and C", (a, b, c) -> (!a || b) && c);
        GROUPING.put("A or not B and C", (a, b, c) -> (a || !b) && c);
        GROUPING.put("not (A or B) and C", (a, b, c) -> !(a || b) && c);
        GROUPING.put("A and B or C and A", (a, b, c) -> ((a && b) || c) && a);
        GROUPING.put("A or B and C or A", (a, b, c) -> ((a || b) && c) || a);
        GROUPING.put("! A and ! B or C", (a, b, c) -> (!a && !b) || c);
    }

    static String abcName(boolean a, boolean b, boolean c) {
        return "a" + (a ? 1 : 0) + "b" + (b ? 1 : 0) + "c" + (c ? 1 : 0);
    }

    static String abcExpression(String template) {
        return template.replace("A", "icmp").replace("B", "src host 10.244.1.2").replace("C", "dst host 10.244.2.2");
    }

    static Set<String> abcExpected(Truth truth) {
        Set<String> names = new TreeSet<>();
        for (boolean a : new boolean[] {false, true}) {
            for (boolean b : new boolean[] {false, true}) {
                for (boolean c : new boolean[] {false, true}) {
                    if (truth.of(a, b, c)) {
                        names.add(abcName(a, b, c));
                    }
                }
            }
        }
        return names;
    }

    @Test
    void andAndOrHaveEqualPrecedenceLeftToRightAndNotBindsTightest() {
        List<Executable> checks = new ArrayList<>();
        GROUPING.forEach((template, truth) -> {
            String expression = abcExpression(template);
            checks.add(() -> assertEquals(abcExpected(truth),
                    matching(CaptureFilter.parse(expression), ABC, LINKTYPE_ETHERNET), "\"" + expression + "\""));
        });
        assertAll(checks);
        // "(icmp or arp) and udp" can match nothing: libpcap (and so tcpdump) refuses it.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CaptureFilter.parse("icmp or arp and udp"));
        assertEquals("bad capture filter \"icmp or arp and udp\": expression rejects all packets", e.getMessage());
        assertEquals(names("icmp-gw icmp-c"), matching(CaptureFilter.parse("icmp or (arp and udp)"), LAB,
                LINKTYPE_ETHERNET));
    }

    @Test
    void allMatchesEverything() {
        CaptureFilter all = CaptureFilter.all();
        assertEquals(LAB.keySet(), new java.util.LinkedHashSet<>(matching(all, LAB, LINKTYPE_ETHERNET)));
        assertEquals(TUN.keySet(), new java.util.LinkedHashSet<>(matching(all, TUN, LINKTYPE_RAW)));
        assertTrue(all.matchesAll());
        assertFalse(CaptureFilter.parse("ip").matchesAll());
        assertEquals("", all.toString());
    }

    @Test
    void aBlankExpressionIsAllAsInTcpdump() {
        assertSame(CaptureFilter.all(), CaptureFilter.parse(""));
        assertSame(CaptureFilter.all(), CaptureFilter.parse(" \t "));
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

    /** Past 64 KiB a frame is cut as a snap length cuts it: its length still counts, its bytes there do not. */
    @Test
    void aFrameLongerThan64KiBIsCutLikeASnapLength() {
        byte[] frame = Arrays.copyOf(LAB.get("dns"), 70_000);
        frame[69_000] = 7;
        ByteBuffer buf = ByteBuffer.wrap(frame);
        assertTrue(CaptureFilter.parse("udp and greater 69999").matches(buf, 0, frame.length, LINKTYPE_ETHERNET));
        assertTrue(CaptureFilter.parse("ether[65535] = 0").matches(buf, 0, frame.length, LINKTYPE_ETHERNET));
        assertFalse(CaptureFilter.parse("ether[69000] = 7").matches(buf, 0, frame.length, LINKTYPE_ETHERNET));
        assertFalse(CaptureFilter.parse("not ether[69000] = 7").matches(buf, 0, frame.length, LINKTYPE_ETHERNET));
    }

    @Test
    void otherLinkTypesAreABug() {
        byte[] frame = LAB.get("dns");
        for (CaptureFilter filter : List.of(CaptureFilter.parse("udp"), CaptureFilter.all())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> filter.matches(ByteBuffer.wrap(frame), 0, frame.length, 113));
            assertEquals("capture filters read link types 1 (Ethernet) and 101 (raw IP), not 113", e.getMessage());
        }
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

    /** Heap frames (the underlay's, from libpcap) and direct ones (the data path's), both link types. */
    @Test
    void evaluationAllocatesNothing() {
        CaptureFilter filter = CaptureFilter.parse(
                "(arp or icmp and not host 10.244.1.1) or (udp and port 53) or ether src 0a:58:0a:f4:01:01"
                        + " or dst net 10.96.0.0/12 or udp dst port 4789 or tcp port 80");
        ByteBuffer[] heap = LAB.values().stream().map(ByteBuffer::wrap).toArray(ByteBuffer[]::new);
        ByteBuffer[] direct = LAB.values().stream().map(CaptureFilterTest::direct).toArray(ByteBuffer[]::new);
        ByteBuffer[] tun = TUN.values().stream().map(CaptureFilterTest::direct).toArray(ByteBuffer[]::new);
        ByteBuffer[][] ethernet = {heap, direct};
        int[] matched = new int[1];
        long bytes = AllocationMeter.bytesAllocated(20_000, () -> {
            for (ByteBuffer[] frames : ethernet) {
                for (ByteBuffer frame : frames) {
                    if (filter.matches(frame, 0, frame.limit(), LINKTYPE_ETHERNET)) {
                        matched[0]++;
                    }
                }
            }
            for (ByteBuffer packet : tun) {
                if (filter.matches(packet, 0, packet.limit(), LINKTYPE_RAW)) {
                    matched[0]++;
                }
            }
        });
        int evaluations = 20_000 * (heap.length + direct.length + tun.length);
        assertTrue(bytes < 64 * 1024, bytes + " bytes allocated for " + evaluations + " evaluations");
        assertTrue(matched[0] > 0);
    }

    private static ByteBuffer direct(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length);
        buf.put(0, bytes);
        return buf;
    }

    /**
     * Data-path threads share one filter: each must see its own frame's verdict, which a header or frame copy
     * shared between threads would mix up.
     */
    @Test
    void manyThreadsEvaluateOneFilterAtOnce() throws Exception {
        CaptureFilter filter = CaptureFilter.parse("udp or arp and src host 10.244.1.1 or greater 80");
        List<byte[]> frames = new ArrayList<>(LAB.values());
        boolean[] expected = new boolean[frames.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = filter.matches(ByteBuffer.wrap(frames.get(i)), 0, frames.get(i).length, LINKTYPE_ETHERNET);
        }
        assertTrue(Set.of(true, false).stream().allMatch(v -> {
            for (boolean e : expected) {
                if (e == v) {
                    return true;
                }
            }
            return false;
        }), "the frames must give both verdicts");
        int threads = 4;
        java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t * 3;
            Thread worker = new Thread(() -> {
                ByteBuffer[] own = frames.stream().map(CaptureFilterTest::direct).toArray(ByteBuffer[]::new);
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int round = 0; round < 50_000; round++) {
                    int i = (first + round) % own.length;
                    if (filter.matches(own[i], 0, own[i].limit(), LINKTYPE_ETHERNET) != expected[i]) {
                        wrong.incrementAndGet();
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join(60_000);
        }
        assertEquals(0, wrong.get(), "verdicts that differed from one thread's");
    }

    @Test
    void theTextIsTheExpressionAsGiven() {
        CaptureFilter filter = CaptureFilter.parse("  icmp && !host 10.244.1.1 ");
        assertEquals("icmp && !host 10.244.1.1", filter.toString());
        assertEquals(filter, CaptureFilter.parse("icmp && !host 10.244.1.1"));
        assertEquals(filter.hashCode(), CaptureFilter.parse("icmp && !host 10.244.1.1").hashCode());
        assertNotEquals(filter, CaptureFilter.parse("icmp and not host 10.244.1.1")); // same meaning, other text
        assertNotEquals(filter, CaptureFilter.all());
    }

    /** Where libpcap refuses an expression for bare IP (MAC addresses), it matches nothing at the TUN points. */
    @Test
    void aLinkTypeLibpcapRefusesMatchesNothing() {
        CaptureFilter gateway = CaptureFilter.parse("ether src 0a:58:0a:f4:01:01 or icmp");
        assertEquals(names("arp-reply icmp-gw icmp-c"), matching(gateway, LAB, LINKTYPE_ETHERNET));
        assertEquals(Set.of(), matching(gateway, TUN, LINKTYPE_RAW));
        CaptureFilter arp = CaptureFilter.parse("arp"); // libpcap: "expression rejects all packets" on bare IP
        assertEquals(Set.of(), matching(arp, TUN, LINKTYPE_RAW));
    }

    @Test
    void deepNestingParses() {
        CaptureFilter parens = CaptureFilter.parse("(".repeat(100) + "tcp" + ")".repeat(100));
        assertEquals(names("tcp-syn tcp-options ipv6-frag-tcp"), matching(parens, LAB, LINKTYPE_ETHERNET));
        CaptureFilter nots = CaptureFilter.parse("! ".repeat(101) + "tcp");
        assertEquals(matching(CaptureFilter.parse("not tcp"), LAB, LINKTYPE_ETHERNET),
                matching(nots, LAB, LINKTYPE_ETHERNET));
    }

    /**
     * Expressions libpcap refuses, and its message (libpcap 1.10.3, Debian 12); CaptureFilterTcpdumpTest checks
     * that tcpdump says the same.
     */
    static final String[][] ERRORS = {
        {"tcp prot 80", "syntax error"},
        {"hots 10.0.0.1", "syntax error"},
        {"tcp and", "syntax error"},
        {"and tcp", "syntax error"},
        {"not", "syntax error"},
        {"(tcp", "syntax error"},
        {"tcp)", "syntax error"},
        {"()", "syntax error"},
        {"icmp arp", "syntax error"},
        {"tcp & udp", "syntax error"},
        {"NOT ARP", "syntax error"}, // keywords are lower case
        {"10.0.0.1", "syntax error"},
        {"port x", "unknown port 'x'"},
        {"port 70000", "illegal port number 70000 > 65535"},
        {"host 10.0.0.300", "invalid IPv4 address '10.0.0.300'"},
        {"net 10.0.0.1/8", "non-network bits set in \"10.0.0.1/8\""},
        {"net 10.0.0.0/33", "mask length must be <= 32"},
        {"tcp src host 10.0.0.1", "'tcp' modifier applied to host"},
        {"ether host pod-a", "unknown ether host 'pod-a'"},
        {"tcp and udp", "expression rejects all packets"},
        {"arp and ip", "expression rejects all packets"},
    };

    @Test
    void parseErrorsAreLibpcapsInOneLine() {
        List<Executable> checks = new ArrayList<>();
        for (String[] c : ERRORS) {
            checks.add(() -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> CaptureFilter.parse(c[0]), c[0]);
                assertEquals("bad capture filter \"" + c[0] + "\": " + c[1], e.getMessage());
                assertFalse(e.getMessage().contains("\n"));
            });
        }
        assertAll(checks);
    }

    /** libpcap 1.10 has no "vxlan" (1.11 has, with a meaning of its own): the error says what to write. */
    @Test
    void vxlanIsUdpPort4789ForThisLibpcap() {
        Assumptions.assumeTrue(CaptureFilter.libpcapVersion().startsWith("libpcap 1.10."),
                "libpcap " + CaptureFilter.libpcapVersion() + " may know \"vxlan\"");
        String hint = " (" + CaptureFilter.libpcapVersion() + " has no \"vxlan\": VXLAN is \"udp port 4789\")";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CaptureFilter.parse("vxlan"));
        assertEquals("bad capture filter \"vxlan\": syntax error" + hint, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CaptureFilter.parse("udp and not vxlan"));
        assertEquals("bad capture filter \"udp and not vxlan\": syntax error in filter expression" + hint,
                e.getMessage());
        assertEquals(names("vxlan"), matching(CaptureFilter.parse("udp port 4789"), LAB, LINKTYPE_ETHERNET));
    }
}
