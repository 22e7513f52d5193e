package dev.vnet.bridge;

import static dev.vnet.bridge.Frames.BROADCAST;
import static dev.vnet.bridge.Frames.POD_A_MAC;
import static dev.vnet.bridge.Frames.POD_B_MAC;
import static dev.vnet.bridge.Frames.POD_C_MAC;
import static dev.vnet.bridge.Frames.ethernet;
import static dev.vnet.bridge.Frames.mac;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The learning bridge with three in-memory ports, a, b and c, behind which pods A, B and C live. */
class BridgeTest {

    /** A MAC nobody has sent from. */
    private static final long UNKNOWN_MAC = mac("0a:58:0a:f4:01:63");

    /** Ethernet header of a frame from pod A to pod B, then two payload bytes. */
    static final byte[] A_TO_B = {
        0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x03, // destination 0a:58:0a:f4:01:03 (pod B)
        0x0a, 0x58, 0x0a, (byte) 0xf4, 0x01, 0x02, // source 0a:58:0a:f4:01:02 (pod A)
        0x08, 0x00, // EtherType IPv4
        0x45, 0x00, // the start of a payload; the bridge does not look at it
    };

    private final Bridge bridge = new Bridge("br0");
    private final MemoryPort a = new MemoryPort(bridge, "a");
    private final MemoryPort b = new MemoryPort(bridge, "b");
    private final MemoryPort c = new MemoryPort(bridge, "c");

    /** Lets the bridge learn each pod's MAC on its port, then forgets what that traffic put in the queues. */
    private void learnPods() {
        a.inject(ethernet(BROADCAST, POD_A_MAC));
        b.inject(ethernet(BROADCAST, POD_B_MAC));
        c.inject(ethernet(BROADCAST, POD_C_MAC));
        drainAll();
    }

    private void drainAll() {
        a.drain();
        b.drain();
        c.drain();
    }

    private MemoryPort port(String name) {
        return switch (name) {
            case "a" -> a;
            case "b" -> b;
            case "c" -> c;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Names of the ports that got exactly {@code frame}; fails if any got something else. */
    private List<String> portsThatGot(byte[] frame) {
        List<String> got = new ArrayList<>();
        for (MemoryPort p : List.of(a, b, c)) {
            List<byte[]> out = p.drain();
            assertTrue(out.size() <= 1, p + " got " + out.size() + " frames");
            if (out.size() == 1) {
                assertArrayEquals(frame, out.get(0), "frame out of " + p);
                got.add(p.toString());
            }
        }
        return got;
    }

    @Test
    void fixtureIsAFrameFromPodAToPodB() {
        EthernetFrame eth = Frames.eth(A_TO_B);
        assertEquals(POD_B_MAC, eth.destination());
        assertEquals(POD_A_MAC, eth.source());
        assertEquals(EthernetFrame.TYPE_IPV4, eth.etherType());
    }

    static Stream<Arguments> floodedDestinations() {
        return Stream.of(
                Arguments.of("unknown unicast", UNKNOWN_MAC),
                Arguments.of("broadcast", BROADCAST),
                Arguments.of("IPv4 multicast (all hosts)", mac("01:00:5e:00:00:01")),
                Arguments.of("IPv6 multicast (all nodes)", mac("33:33:00:00:00:01")),
                Arguments.of("STP group address", mac("01:80:c2:00:00:00")));
    }

    @ParameterizedTest(name = "{0} floods")
    @MethodSource("floodedDestinations")
    void floodsToEveryPortButTheIngress(String what, long destination) {
        learnPods();
        byte[] frame = ethernet(destination, POD_A_MAC);

        a.inject(frame);

        assertEquals(List.of("b", "c"), portsThatGot(frame));
        assertEquals(4, bridge.flooded(), "three floods from learnPods, then this one");
        assertEquals(0, bridge.forwarded());
    }

    @Test
    void multicastIsFloodedEvenIfSomeoneSentFromThatAddress() {
        // Group addresses are never learned (the sender is dropped), so there is nothing to look up.
        long group = mac("01:00:5e:00:00:fb");
        c.inject(ethernet(BROADCAST, group));
        byte[] frame = ethernet(group, POD_A_MAC);

        a.inject(frame);

        assertEquals(List.of("b", "c"), portsThatGot(frame));
    }

    @Test
    void unknownUnicastFloodsBeforeLearningAndGoesToOnePortAfter() {
        a.inject(A_TO_B);
        assertEquals(List.of("b", "c"), portsThatGot(A_TO_B));

        b.inject(ethernet(POD_A_MAC, POD_B_MAC)); // B answers, so the bridge learns B on b
        assertEquals(List.of("a"), portsThatGot(ethernet(POD_A_MAC, POD_B_MAC)));

        a.inject(A_TO_B);
        assertEquals(List.of("b"), portsThatGot(A_TO_B));
    }

    /** A packet-flow table: after learning A, B and C, who gets a frame from {@code in} to {@code dst}. */
    static Stream<Arguments> flows() {
        return Stream.of(
                Arguments.of("a", POD_B_MAC, List.of("b")),
                Arguments.of("a", POD_C_MAC, List.of("c")),
                Arguments.of("b", POD_A_MAC, List.of("a")),
                Arguments.of("c", POD_B_MAC, List.of("b")),
                Arguments.of("c", BROADCAST, List.of("a", "b")),
                Arguments.of("b", UNKNOWN_MAC, List.of("a", "c")),
                Arguments.of("a", POD_A_MAC, List.of()));
    }

    @ParameterizedTest(name = "in {0} to {1} -> {2}")
    @MethodSource("flows")
    void forwardsByTheLearnedTable(String in, long destination, List<String> expectedOut) {
        learnPods();
        long source = switch (in) {
            case "a" -> POD_A_MAC;
            case "b" -> POD_B_MAC;
            default -> POD_C_MAC;
        };
        byte[] frame = ethernet(destination, source);

        port(in).inject(frame);

        assertEquals(expectedOut, portsThatGot(frame));
    }

    @Test
    void frameForAMacBehindItsIngressPortIsDroppedAsLoop() {
        learnPods();
        // Pod D sits behind port a too (a switch beyond a, say): the bridge learns it there.
        long podD = mac("0a:58:0a:f4:01:05");
        a.inject(ethernet(BROADCAST, podD));
        drainAll();

        a.inject(ethernet(podD, POD_A_MAC));

        assertEquals(List.of(), portsThatGot(ethernet(podD, POD_A_MAC)));
        assertEquals(1, a.counters().drops(DropReason.LOOP));
        assertEquals(Map.of(DropReason.LOOP, 1L), a.counters().dropsByReason());
    }

    @ParameterizedTest(name = "source {0}")
    @ValueSource(strings = {"ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "33:33:00:00:00:01", "03:00:00:00:00:00",
        "00:00:00:00:00:00"})
    void frameFromAGroupOrZeroSourceIsDroppedAndNotLearned(String source) {
        byte[] frame = ethernet(UNKNOWN_MAC, mac(source));

        a.inject(frame);

        assertEquals(List.of(), portsThatGot(frame));
        assertEquals(Map.of(DropReason.BAD_SOURCE_MAC, 1L), a.counters().dropsByReason());
        assertEquals(0, bridge.fdb().size());
        assertEquals(0, bridge.flooded() + bridge.forwarded());
    }

    @Test
    void locallyAdministeredUnicastSourceIsFine() {
        // 02: sets the U/L bit, not the I/G bit.
        byte[] frame = ethernet(BROADCAST, mac("02:00:00:00:00:01"));

        a.inject(frame);

        assertEquals(List.of("b", "c"), portsThatGot(frame));
        assertEquals(0, a.counters().totalDrops());
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 6, 12, 13})
    void frameShorterThanAnEthernetHeaderIsDroppedAsTruncated(int length) {
        byte[] frame = Arrays.copyOf(A_TO_B, length);

        a.inject(frame);

        assertEquals(List.of(), portsThatGot(frame));
        assertEquals(Map.of(DropReason.TRUNCATED, 1L), a.counters().dropsByReason());
        assertEquals(1, a.counters().rxPackets(), "a dropped frame was still received");
        assertEquals(length, a.counters().rxBytes());
        assertEquals(0, bridge.fdb().size());
    }

    @Test
    void bareFourteenByteHeaderIsForwarded() {
        byte[] frame = Arrays.copyOf(A_TO_B, EthernetFrame.HEADER_LEN);

        a.inject(frame);

        assertEquals(List.of("b", "c"), portsThatGot(frame));
        assertEquals(0, a.counters().totalDrops());
    }

    @Test
    void countsPacketsAndBytesEachWayPerPort() {
        a.inject(ethernet(BROADCAST, POD_A_MAC, 0x0806, 60)); // floods to b and c
        b.inject(ethernet(POD_A_MAC, POD_B_MAC, 0x0806, 100)); // to a alone, now that A is known
        b.inject(ethernet(POD_A_MAC, POD_B_MAC, 0x0800, 1514));
        c.inject(Arrays.copyOf(A_TO_B, 5)); // truncated: counted in, goes nowhere

        assertCounters(a, 1, 60, 2, 100 + 1514);
        assertCounters(b, 2, 100 + 1514, 1, 60);
        assertCounters(c, 1, 5, 1, 60);
    }

    private static void assertCounters(MemoryPort p, long rxPackets, long rxBytes, long txPackets, long txBytes) {
        PortCounters n = p.counters();
        assertEquals(List.of(rxPackets, rxBytes, txPackets, txBytes),
                List.of(n.rxPackets(), n.rxBytes(), n.txPackets(), n.txBytes()),
                "rx packets, rx bytes, tx packets, tx bytes of " + p);
    }

    @Test
    void detachedPortGetsNothingAndItsMacsAreForgotten() {
        learnPods();

        bridge.detach(c.port());
        a.inject(ethernet(BROADCAST, POD_A_MAC));
        a.inject(ethernet(POD_C_MAC, POD_A_MAC)); // C is unknown now: flooded, but not to c

        assertEquals(0, c.drain().size());
        assertEquals(2, b.drain().size());
        assertNull(bridge.fdb().lookup(POD_C_MAC, 0));
        assertFalse(c.port().isUp());
        assertEquals(List.of(a.port(), b.port()), bridge.ports());
        assertEquals(2, c.counters().txPackets(), "c keeps its counts of the two floods before it went");
    }

    @Test
    void frameInjectedOnADetachedPortIsDroppedAsPortDown() {
        bridge.detach(c.port());
        byte[] frame = ethernet(BROADCAST, POD_C_MAC);

        c.inject(frame);

        assertEquals(List.of(), portsThatGot(frame));
        assertEquals(Map.of(DropReason.PORT_DOWN, 1L), c.counters().dropsByReason());
        assertNull(bridge.fdb().lookup(POD_C_MAC, 0), "nothing learned from a port that is gone");
    }

    @Test
    void portNameCanBeReusedAfterDetach() {
        assertThrows(IllegalArgumentException.class, () -> new MemoryPort(bridge, "c"));

        bridge.detach(c.port());
        MemoryPort again = new MemoryPort(bridge, "c");

        assertTrue(again.port().id() > c.port().id(), "port ids are not reused");
        a.inject(ethernet(BROADCAST, POD_A_MAC));
        assertEquals(1, again.drain().size());
    }

    @Test
    void sinkThatRefusesCountsQueueFullOnItsPortOnly() {
        learnPods();
        b.setAccepting(false);

        a.inject(ethernet(BROADCAST, POD_A_MAC)); // flood: b refuses, c takes it
        a.inject(ethernet(POD_B_MAC, POD_A_MAC)); // unicast to b: refused

        assertEquals(Map.of(DropReason.QUEUE_FULL, 2L), b.counters().dropsByReason());
        assertEquals(2, b.counters().txPackets(), "only the two floods of learnPods, before it filled up");
        assertEquals(1, c.drain().size());
        assertEquals(0, a.counters().totalDrops());
        assertEquals(0, c.counters().totalDrops());
    }

    @Test
    void forwardedAndFloodedCountFramesNotCopies() {
        a.inject(ethernet(BROADCAST, POD_A_MAC)); // flooded (to two ports, counted once)
        b.inject(ethernet(POD_A_MAC, POD_B_MAC)); // forwarded
        b.inject(ethernet(UNKNOWN_MAC, POD_B_MAC)); // flooded
        a.inject(ethernet(POD_A_MAC, POD_A_MAC)); // loop: neither
        a.inject(ethernet(POD_B_MAC, 0)); // bad source: neither
        c.inject(new byte[3]); // truncated: neither

        assertEquals(2, bridge.flooded());
        assertEquals(1, bridge.forwarded());
    }

    @Test
    void countsNewAndMovedMacs() {
        a.inject(ethernet(BROADCAST, POD_A_MAC));
        a.inject(ethernet(BROADCAST, POD_A_MAC));
        b.inject(ethernet(BROADCAST, POD_B_MAC));
        c.inject(ethernet(BROADCAST, POD_A_MAC)); // pod A moved to c

        assertEquals(2, bridge.learnedNew());
        assertEquals(1, bridge.learnedMoved());
        assertSame(c.port(), bridge.fdb().lookup(POD_A_MAC, 0));
    }

    @Test
    void learnedMacAgesOutAndTrafficToItFloodsAgain() {
        long t0 = 1_000_000_000_000L;
        b.inject(ethernet(BROADCAST, POD_B_MAC), t0);
        drainAll();

        a.inject(A_TO_B, t0 + Fdb.DEFAULT_AGEING_NANOS);
        assertEquals(List.of("b"), portsThatGot(A_TO_B));

        a.inject(A_TO_B, t0 + Fdb.DEFAULT_AGEING_NANOS + 1);
        assertEquals(List.of("b", "c"), portsThatGot(A_TO_B));
    }

    @Test
    void observersSeeFramesInAndOut() {
        List<String> seen = new ArrayList<>();
        a.port().observe((buf, off, len, now) -> seen.add("a rx " + len), (buf, off, len, now) -> seen.add("a tx"));
        b.port().observe(null, (buf, off, len, now) -> seen.add("b tx " + len + " at " + now));

        a.inject(ethernet(BROADCAST, POD_A_MAC, 0x0800, 64), 5);

        assertEquals(List.of("a rx 64", "b tx 64 at 5"), seen);
    }

    /**
     * Bug: Bridge.macAt reads MACs with ByteBuffer.getShort/getInt, which follow the buffer's byte order,
     * while the core views assemble bytes and ignore it (vnet-core's own tests use little-endian buffers on
     * purpose). In a little-endian buffer, a frame from the multicast source 01:00:5e:00:00:01 is not
     * recognised as such: it is learned and flooded instead of dropped with BAD_SOURCE_MAC.
     */
    @Test
    void readsMacsTheSameWhateverTheBufferByteOrder() {
        byte[] frame = ethernet(BROADCAST, mac("01:00:5e:00:00:01"));
        ByteBuffer littleEndian = ByteBuffer.allocateDirect(frame.length).order(ByteOrder.LITTLE_ENDIAN);
        littleEndian.put(0, frame);

        bridge.receive(a.port(), littleEndian, frame.length, 0);

        assertEquals(Map.of(DropReason.BAD_SOURCE_MAC, 1L), a.counters().dropsByReason());
        assertEquals(0, bridge.fdb().size());
    }
}
