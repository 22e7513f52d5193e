package dev.vnet.overlay;

import static dev.vnet.overlay.InnerFrames.VTEP_1;
import static dev.vnet.overlay.InnerFrames.VTEP_2;
import static dev.vnet.overlay.InnerFrames.flow;
import static dev.vnet.overlay.InnerFrames.ip;
import static dev.vnet.overlay.InnerFrames.ipv4;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.PacketContext;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The inner-flow hash that picks the outer UDP source port (RFC 7348 section 5 entropy). */
class FlowHashTest {

    private static final int UDP = Ipv4Packet.PROTO_UDP;
    private static final int TCP = Ipv4Packet.PROTO_TCP;
    /** UdpTransport.SENDERS: the hash picks one of this many sender sockets. */
    private static final int BUCKETS = 8;

    private static int hash(byte[] frame) {
        return FlowHash.of(ByteBuffer.wrap(frame), frame.length);
    }

    @Test
    void sameFiveTupleGivesTheSameHash() {
        byte[] a = flow(TCP, "10.244.1.2", 40000, "10.244.2.7", 80);
        byte[] b = flow(TCP, "10.244.1.2", 40000, "10.244.2.7", 80);

        assertEquals(hash(a), hash(b));
    }

    @Test
    void fieldsOutsideTheFiveTupleDoNotChangeTheHash() {
        int src = ip("10.244.1.2");
        int dst = ip("10.244.2.7");
        byte[] a = ipv4(Ipv4Packet.HEADER_LEN, UDP, src, dst, 40000, 53, 64, 1, (byte) 0x00);
        byte[] b = ipv4(Ipv4Packet.HEADER_LEN, UDP, src, dst, 40000, 53, 3, 0xbeef, (byte) 0x5a); // TTL, id, payload

        assertEquals(hash(a), hash(b));
    }

    @Test
    void hashDependsOnlyOnTheFirstLengthBytesAndNotOnTheBufferAroundThem() {
        byte[] frame = flow(UDP, "10.244.1.2", 40000, "10.244.2.7", 53);
        ByteBuffer big = ByteBuffer.allocateDirect(2048);
        for (int i = 0; i < big.capacity(); i++) {
            big.put(i, (byte) 0x77);
        }
        big.put(0, frame);

        assertEquals(hash(frame), FlowHash.of(big, frame.length));
    }

    @Test
    void eachPartOfTheFiveTupleChangesTheHash() {
        int base = hash(flow(TCP, "10.244.1.2", 40000, "10.244.2.7", 80));

        assertNotEquals(base, hash(flow(UDP, "10.244.1.2", 40000, "10.244.2.7", 80)), "protocol");
        assertNotEquals(base, hash(flow(TCP, "10.244.1.3", 40000, "10.244.2.7", 80)), "source address");
        assertNotEquals(base, hash(flow(TCP, "10.244.1.2", 40001, "10.244.2.7", 80)), "source port");
        assertNotEquals(base, hash(flow(TCP, "10.244.1.2", 40000, "10.244.2.8", 80)), "destination address");
        assertNotEquals(base, hash(flow(TCP, "10.244.1.2", 40000, "10.244.2.7", 81)), "destination port");
    }

    @Test
    void portsAreReadAfterIpOptions() {
        int src = ip("10.244.1.2");
        int dst = ip("10.244.2.7");
        int withOptions = Ipv4Packet.HEADER_LEN + 4;

        int a = hash(ipv4(withOptions, UDP, src, dst, 40000, 53, 64, 1, (byte) 0));
        int b = hash(ipv4(withOptions, UDP, src, dst, 40001, 53, 64, 1, (byte) 0));

        assertNotEquals(a, b);
    }

    @Test
    void icmpFlowsHashOnAddressesAndProtocolOnly() {
        int src = ip("10.244.1.2");
        int dst = ip("10.244.2.7");
        // For ICMP the "ports" position holds type, code and checksum: they must not matter.
        int a = hash(ipv4(Ipv4Packet.HEADER_LEN, Ipv4Packet.PROTO_ICMP, src, dst, 0x0800, 0x1234, 64, 1, (byte) 0));
        int b = hash(ipv4(Ipv4Packet.HEADER_LEN, Ipv4Packet.PROTO_ICMP, src, dst, 0x0000, 0x4321, 64, 1, (byte) 0));

        assertEquals(a, b);
    }

    @Test
    void thousandSourcePortsSpreadOverEightSendersAtLeastSixtyEach() {
        int[] buckets = new int[BUCKETS];
        for (int port = 33000; port < 34000; port++) {
            int h = hash(flow(TCP, "10.244.1.2", port, "10.244.2.7", 80));
            buckets[Integer.remainderUnsigned(h, BUCKETS)]++;
        }

        for (int n : buckets) {
            assertTrue(n >= 60, "flows per sender: " + Arrays.toString(buckets));
        }
    }

    @Test
    void thousandClientsToOneServiceSpreadOverEightSendersAtLeastSixtyEach() {
        int[] buckets = new int[BUCKETS];
        for (int i = 0; i < 1000; i++) {
            String client = "10.244.1." + (2 + i % 250);
            int h = hash(flow(UDP, client, 40000 + i / 250, "10.244.2.7", 53));
            buckets[Integer.remainderUnsigned(h, BUCKETS)]++;
        }

        for (int n : buckets) {
            assertTrue(n >= 60, "flows per sender: " + Arrays.toString(buckets));
        }
    }

    @Test
    void sourcePortStaysInTheLinuxEphemeralRange() {
        Random random = new Random(4789);
        int[] hashes = new int[10_000 + 5];
        for (int i = 0; i < 10_000; i++) {
            hashes[i] = random.nextInt();
        }
        int[] edges = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
        System.arraycopy(edges, 0, hashes, 10_000, edges.length);

        for (int h : hashes) {
            int port = FlowHash.sourcePort(h);
            assertTrue(port >= 32768 && port <= 60999, "hash " + h + " gave port " + port);
        }
    }

    @Test
    void sourcePortReachesBothEndsOfTheRange() {
        assertEquals(32768, FlowHash.sourcePort(0));
        assertEquals(60999, FlowHash.sourcePort(60999 - 32768));
        assertEquals(32768, FlowHash.sourcePort(60999 - 32768 + 1));
    }

    @Test
    void nonIpv4FramesHashOnTheirMacsWithoutThrowing() {
        byte[] arp = InnerFrames.ethernet(0xffff_ffff_ffffL, VTEP_1, EthernetFrame.TYPE_ARP, 42);
        byte[] ipv6 = InnerFrames.ethernet(VTEP_2, VTEP_1, EthernetFrame.TYPE_IPV6, 74);
        byte[] ipv6Back = InnerFrames.ethernet(VTEP_1, VTEP_2, EthernetFrame.TYPE_IPV6, 74);

        assertDoesNotThrow(() -> hash(arp));
        assertEquals(hash(ipv6), hash(InnerFrames.ethernet(VTEP_2, VTEP_1, EthernetFrame.TYPE_IPV6, 74)));
        assertNotEquals(hash(ipv6), hash(ipv6Back));
    }

    @Test
    void ipv4TypedFrameTooShortForAnIpv4HeaderHashesWithoutThrowing() {
        byte[] frame = flow(UDP, "10.244.1.2", 40000, "10.244.2.7", 53);
        for (int length = 12; length < 34; length++) {
            byte[] shortFrame = Arrays.copyOf(frame, length);
            assertDoesNotThrow(() -> FlowHash.of(ByteBuffer.wrap(shortFrame), shortFrame.length),
                    length + " bytes");
        }
    }

    @ParameterizedTest(name = "{0}-byte frame in a 64 KiB buffer")
    @ValueSource(ints = {0, 1, 5, 11, 13, 33, 34, 37})
    void shortFramesInALargeBufferHashWithoutThrowing(int length) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        buf.put(0, flow(TCP, "10.244.1.2", 40000, "10.244.2.7", 80));

        assertDoesNotThrow(() -> FlowHash.of(buf, length));
    }

    @Test
    void ipv4HeaderWithoutRoomForPortsHashesWithoutThrowing() {
        // IHL 15 (60 bytes) in a frame that ends right after the fixed header: the ports are not there.
        byte[] frame = Arrays.copyOf(flow(TCP, "10.244.1.2", 40000, "10.244.2.7", 80), 40);
        frame[14] = 0x4f;

        assertDoesNotThrow(() -> hash(frame));
    }

    @ParameterizedTest(name = "{0}-byte frame in a buffer of exactly that size")
    @ValueSource(ints = {0, 1, 5, 11})
    void shortFramesInAnExactlySizedBufferHashWithoutThrowing(int length) {
        ByteBuffer buf = ByteBuffer.allocate(length);

        assertDoesNotThrow(() -> FlowHash.of(buf, length));
    }

    private static PacketContext parsed(byte[] frame) {
        PacketContext p = new PacketContext();
        assertEquals(DropReason.NONE, p.parse(ByteBuffer.wrap(frame), 0, frame.length, PacketContext.Origin.POD));
        return p;
    }

    @Test
    void theRoutersParsedContextHashesAsTheFrameDoes() {
        for (byte[] frame : List.of(flow(TCP, "10.244.1.2", 40000, "10.244.2.7", 80),
                flow(UDP, "10.244.1.9", 5353, "10.244.3.1", 53),
                ipv4(Ipv4Packet.HEADER_LEN + 8, UDP, ip("10.244.1.2"), ip("10.244.2.7"), 1, 2, 64, 1, (byte) 0),
                ipv4(Ipv4Packet.HEADER_LEN, Ipv4Packet.PROTO_ICMP, ip("10.244.1.2"), ip("10.244.2.7"), 0x0800, 7, 64, 1,
                        (byte) 0))) {
            assertEquals(hash(frame), FlowHash.of(parsed(frame)));
        }
    }

    @Test
    void allFragmentsOfADatagramHashAlikeSoTheyLeaveByOnePortInOrder() {
        byte[] first = flow(UDP, "10.244.1.2", 40000, "10.244.2.7", 53);
        Ipv4Packet.of(ByteBuffer.wrap(first), EthernetFrame.HEADER_LEN, first.length - 14).setFlags(false, true);
        byte[] later = flow(UDP, "10.244.1.2", 0x1111, "10.244.2.7", 0x2222); // the middle of the datagram
        Ipv4Packet laterIp = Ipv4Packet.of(ByteBuffer.wrap(later), EthernetFrame.HEADER_LEN, later.length - 14);
        laterIp.setFlags(false, false);
        laterIp.setFragmentOffset(185);

        assertEquals(hash(first), hash(later));
        assertNotEquals(hash(first), hash(flow(UDP, "10.244.1.2", 40000, "10.244.2.7", 53)),
                "a whole datagram hashes its ports too");
    }
}
