package dev.vnet.nat.rewrite;

import static dev.vnet.nat.rewrite.Packets.bytes;
import static dev.vnet.nat.rewrite.Packets.echo;
import static dev.vnet.nat.rewrite.Packets.first;
import static dev.vnet.nat.rewrite.Packets.icmpError;
import static dev.vnet.nat.rewrite.Packets.ipv4;
import static dev.vnet.nat.rewrite.Packets.place;
import static dev.vnet.nat.rewrite.Packets.read;
import static dev.vnet.nat.rewrite.Packets.tcp;
import static dev.vnet.nat.rewrite.Packets.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.UdpPacket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class NatRewriterTest {

    static final int TCP = Ipv4Packet.PROTO_TCP;
    static final int UDP = Ipv4Packet.PROTO_UDP;
    static final int ICMP = Ipv4Packet.PROTO_ICMP;
    /** Not a protocol: UDP sent without a checksum. */
    static final int UDP_NO_CHECKSUM = -UDP;
    static final int ECHO_REPLY = -ICMP;

    static final int CLIENT = ip("10.244.1.2");
    static final int VIP = ip("10.96.0.20");
    static final int ENDPOINT = ip("10.244.2.3");
    static final int NODE = ip("192.168.56.11");
    static final int OUTSIDE = ip("192.168.56.1");

    /** After an Ethernet header, as the router sees it. */
    static final int AT = 14;
    static final byte[] NO_OPTIONS = {};
    static final byte[] PAYLOAD = "GET / HTTP/1.1\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted).bits();
    }

    /**
     * A packet of {@code kind} (TCP, UDP, UDP_NO_CHECKSUM, ICMP = echo request, ECHO_REPLY), every
     * checksum summed from scratch. For ICMP the identifier is {@code sport} for a request, {@code dport}
     * for a reply.
     */
    static byte[] packet(int kind, int src, int sport, int dst, int dport, byte[] options, byte[] payload) {
        return switch (kind) {
            case TCP -> ipv4(TCP, src, dst, options, tcp(src, sport, dst, dport, payload));
            case UDP -> ipv4(UDP, src, dst, options, udp(src, sport, dst, dport, payload, true));
            case UDP_NO_CHECKSUM -> ipv4(UDP, src, dst, options, udp(src, sport, dst, dport, payload, false));
            case ICMP -> ipv4(ICMP, src, dst, options, echo(IcmpPacket.TYPE_ECHO_REQUEST, sport, 7, payload));
            case ECHO_REPLY -> ipv4(ICMP, src, dst, options, echo(IcmpPacket.TYPE_ECHO_REPLY, dport, 7, payload));
            default -> throw new IllegalArgumentException("kind " + kind);
        };
    }

    /** A translation: the packet before and the tuple after. */
    record Case(String name, int kind, int src, int sport, int dst, int dport,
                int newSrc, int newSport, int newDst, int newDport, byte[] options, byte[] payload) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("TCP DNAT: client → ClusterIP becomes client → endpoint", TCP,
                        CLIENT, 40000, VIP, 80, CLIENT, 40000, ENDPOINT, 8080, NO_OPTIONS, PAYLOAD),
                new Case("TCP reply: endpoint → client becomes ClusterIP → client", TCP,
                        ENDPOINT, 8080, CLIENT, 40000, VIP, 80, CLIENT, 40000, NO_OPTIONS, PAYLOAD),
                new Case("TCP NodePort: DNAT and SNAT", TCP,
                        OUTSIDE, 51000, NODE, 30080, NODE, 61000, ENDPOINT, 8080, NO_OPTIONS, PAYLOAD),
                new Case("TCP with IP options and an odd payload", TCP,
                        CLIENT, 40000, VIP, 80, CLIENT, 40000, ENDPOINT, 8080, bytes(1, 1, 1, 0), bytes(1, 2, 3)),
                new Case("TCP, nothing to change", TCP,
                        CLIENT, 40000, ENDPOINT, 8080, CLIENT, 40000, ENDPOINT, 8080, NO_OPTIONS, PAYLOAD),
                new Case("UDP DNS: client → cluster DNS becomes client → CoreDNS pod", UDP,
                        CLIENT, 53124, ip("10.96.0.10"), 53, CLIENT, 53124, ip("10.244.3.7"), 5353, NO_OPTIONS,
                        bytes(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0)),
                new Case("UDP reply, SNAT undone", UDP,
                        ENDPOINT, 8080, NODE, 61000, NODE, 30080, OUTSIDE, 51000, NO_OPTIONS, PAYLOAD),
                new Case("UDP without a checksum keeps none", UDP_NO_CHECKSUM,
                        CLIENT, 53124, VIP, 53, CLIENT, 53124, ENDPOINT, 5353, NO_OPTIONS, PAYLOAD),
                new Case("UDP, empty payload", UDP,
                        CLIENT, 1, VIP, 2, NODE, 3, ENDPOINT, 4, NO_OPTIONS, NO_OPTIONS),
                new Case("ICMP echo request, identifier remapped by SNAT", ICMP,
                        CLIENT, 0x1234, VIP, 0x1234, NODE, 0x9999, ENDPOINT, 0x9999, NO_OPTIONS, PAYLOAD),
                new Case("ICMP echo reply back to the client", ECHO_REPLY,
                        ENDPOINT, 0x9999, NODE, 0x9999, VIP, 0x1234, CLIENT, 0x1234, NO_OPTIONS, PAYLOAD),
                new Case("ICMP echo, same identifier", ICMP,
                        CLIENT, 77, VIP, 77, CLIENT, 77, ENDPOINT, 77, NO_OPTIONS, bytes(9)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translatesLikeAPacketBuiltFromScratchAndBack(Case c) {
        byte[] before = packet(c.kind, c.src, c.sport, c.dst, c.dport, c.options, c.payload);
        byte[] expected = packet(c.kind, c.newSrc, c.newSport, c.newDst, c.newDport, c.options, c.payload);
        ByteBuffer buf = place(before, AT);

        NatRewriter.rewrite(buf, AT, c.newSrc, c.newSport, c.newDst, c.newDport);
        assertArrayEquals(expected, read(buf, AT, before.length), "every byte, checksums included");
        assertVerifies(buf, AT, before.length, c.newSrc, c.newDst);

        NatRewriter.rewrite(buf, AT, c.src, c.sport, c.dst, c.dport);
        assertArrayEquals(before, read(buf, AT, before.length), "the round trip restores the original");
    }

    @Test
    void udpChecksumThatComesOutZeroIsSentAsAllOnes() {
        // Choose two payload bytes so that the translated datagram's checksum computes to 0: with them 0,
        // the checksum c0 is ~S; putting c0 there makes the sum S + ~S = 0xFFFF, whose complement is 0.
        byte[] probe = udp(CLIENT, 53124, ENDPOINT, 5353, new byte[4], true);
        int c0 = UdpPacket.of(ByteBuffer.wrap(probe), 0, probe.length).checksum();
        byte[] payload = bytes(c0 >>> 8, c0, 0, 0);

        byte[] before = ipv4(UDP, CLIENT, VIP, udp(CLIENT, 53124, VIP, 53, payload, true));
        byte[] expected = ipv4(UDP, CLIENT, ENDPOINT, udp(CLIENT, 53124, ENDPOINT, 5353, payload, true));
        ByteBuffer buf = place(before, AT);
        NatRewriter.rewrite(buf, AT, CLIENT, 53124, ENDPOINT, 5353);

        UdpPacket udp = UdpPacket.of(buf, AT + 20, before.length - 20);
        assertEquals(0xFFFF, udp.checksum());
        assertArrayEquals(expected, read(buf, AT, before.length));
        assertTrue(udp.verifyChecksum(CLIENT, ENDPOINT));
    }

    @Test
    void laterFragmentsGetOnlyTheirAddressesChanged() {
        byte[] body = first(PAYLOAD, 24); // the middle of some datagram: no UDP header here
        byte[] before = fragment(ipv4(UDP, CLIENT, VIP, body));
        byte[] expected = fragment(ipv4(UDP, CLIENT, ENDPOINT, body));
        ByteBuffer buf = place(before, AT);
        NatRewriter.rewrite(buf, AT, CLIENT, 40000, ENDPOINT, 8080);
        assertArrayEquals(expected, read(buf, AT, before.length));
    }

    private static byte[] fragment(byte[] packet) {
        ByteBuffer buf = ByteBuffer.wrap(packet);
        Ipv4Packet ip = Ipv4Packet.of(buf, 0, packet.length);
        ip.setFlags(false, true);
        ip.setFragmentOffset(185);
        ip.fillChecksum();
        return packet;
    }

    @Test
    void manyRandomTuplesAllTranslateExactly() {
        SplittableRandom random = new SplittableRandom(20240607);
        int[] kinds = {TCP, UDP, UDP_NO_CHECKSUM, ICMP, ECHO_REPLY};
        for (int n = 0; n < 3000; n++) {
            int kind = kinds[random.nextInt(kinds.length)];
            byte[] options = new byte[4 * random.nextInt(3)];
            java.util.Arrays.fill(options, (byte) 1); // NOP
            byte[] payload = new byte[random.nextInt(300)];
            random.nextBytes(payload);
            int src = random.nextInt();
            int dst = random.nextInt();
            int sport = random.nextInt(65536);
            int dport = random.nextInt(65536);
            int newSrc = random.nextBoolean() ? src : random.nextInt();
            int newDst = random.nextBoolean() ? dst : random.nextInt();
            int newSport = random.nextBoolean() ? sport : random.nextInt(65536);
            int newDport = random.nextBoolean() ? dport : random.nextInt(65536);
            if (kind == ICMP) {
                dport = sport;
                newDport = newSport;
            } else if (kind == ECHO_REPLY) {
                sport = dport;
                newSport = newDport;
            }
            byte[] before = packet(kind, src, sport, dst, dport, options, payload);
            byte[] expected = packet(kind, newSrc, newSport, newDst, newDport, options, payload);
            ByteBuffer buf = place(before, AT);
            String what = "case " + n + " kind " + kind;

            NatRewriter.rewrite(buf, AT, newSrc, newSport, newDst, newDport);
            assertArrayEquals(expected, read(buf, AT, before.length), what);
            assertVerifies(buf, AT, before.length, newSrc, newDst);
            NatRewriter.rewrite(buf, AT, src, sport, dst, dport);
            assertArrayEquals(before, read(buf, AT, before.length), what + " round trip");
        }
    }

    /** Every checksum of the packet at {@code at} verifies, summed from scratch by the core views. */
    static void assertVerifies(ByteBuffer buf, int at, int length, int src, int dst) {
        Ipv4Packet ip = Ipv4Packet.of(buf, at, length);
        assertTrue(ip.verifyChecksum(), "IPv4 header checksum");
        int l4 = ip.payloadOffset();
        int l4Length = ip.payloadLength();
        switch (ip.protocol()) {
            case TCP -> assertTrue(TcpPacket.of(buf, l4, l4Length).verifyChecksum(src, dst), "TCP checksum");
            case UDP -> assertTrue(UdpPacket.of(buf, l4, l4Length).verifyChecksum(src, dst), "UDP checksum");
            case ICMP -> assertTrue(IcmpPacket.of(buf, l4, l4Length).verifyChecksum(), "ICMP checksum");
            default -> {
            }
        }
    }

    // ---- ICMP errors ----

    /** The endpoint's UDP port is closed: its "port unreachable" quotes the whole (small) datagram. */
    @Test
    void portUnreachableIsTranslatedBackToTheClientsView() {
        byte[] data = bytes(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b');
        // What the endpoint received (DNAT + SNAT) and what the client sent.
        byte[] translated = ipv4(UDP, NODE, ENDPOINT, udp(NODE, 61000, ENDPOINT, 5353, data, true));
        byte[] sent = ipv4(UDP, CLIENT, VIP, udp(CLIENT, 53124, VIP, 53, data, true));
        byte[] before = ipv4(ICMP, ENDPOINT, NODE, icmpError(3, 3, translated));
        byte[] expected = ipv4(ICMP, ENDPOINT, CLIENT, icmpError(3, 3, sent));

        ByteBuffer buf = place(before, AT);
        assertTrue(NatRewriter.rewriteIcmpError(buf, AT, CLIENT, CLIENT, 53124, VIP, 53));
        assertArrayEquals(expected, read(buf, AT, before.length));

        // And each checksum, inner ones included, verifies on its own.
        assertVerifies(buf, AT, before.length, ENDPOINT, CLIENT);
        int quote = AT + 20 + 8;
        assertTrue(Ipv4Packet.of(buf, quote, sent.length).verifyChecksum(), "quoted IPv4 header");
        assertTrue(UdpPacket.of(buf, quote + 20, sent.length - 20).verifyChecksum(CLIENT, VIP), "quoted UDP");
    }

    @Test
    void theOuterSourceCanBecomeTheServiceAddress() {
        byte[] translated = ipv4(UDP, CLIENT, ENDPOINT, udp(CLIENT, 53124, ENDPOINT, 5353, PAYLOAD, true));
        byte[] sent = ipv4(UDP, CLIENT, VIP, udp(CLIENT, 53124, VIP, 53, PAYLOAD, true));
        byte[] before = ipv4(ICMP, ENDPOINT, CLIENT, icmpError(3, 3, translated));
        byte[] expected = ipv4(ICMP, VIP, CLIENT, icmpError(3, 3, sent));
        ByteBuffer buf = place(before, AT);
        assertTrue(NatRewriter.rewriteIcmpError(buf, AT, VIP, CLIENT, CLIENT, 53124, VIP, 53));
        assertArrayEquals(expected, read(buf, AT, before.length));
    }

    /** A router on the way answers "time exceeded", quoting the IP header and 8 bytes of TCP only. */
    @Test
    void timeExceededQuotingEightBytesOfTcp() {
        byte[] translated = ipv4(TCP, NODE, ENDPOINT, tcp(NODE, 61000, ENDPOINT, 8080, PAYLOAD));
        byte[] sent = ipv4(TCP, OUTSIDE, NODE, tcp(OUTSIDE, 51000, NODE, 30080, PAYLOAD));
        byte[] before = ipv4(ICMP, ip("10.244.2.1"), NODE, icmpError(11, 0, first(translated, 28)));
        byte[] expected = ipv4(ICMP, ip("10.244.2.1"), OUTSIDE, icmpError(11, 0, first(sent, 28)));

        ByteBuffer buf = place(before, AT);
        assertTrue(NatRewriter.rewriteIcmpError(buf, AT, OUTSIDE, OUTSIDE, 51000, NODE, 30080));
        assertArrayEquals(expected, read(buf, AT, before.length));
        assertVerifies(buf, AT, before.length, 0, 0);
        assertTrue(Ipv4Packet.of(buf, AT + 28, 20).verifyChecksum(), "quoted IPv4 header");
    }

    /** "time exceeded" for a ping whose identifier SNAT changed. */
    @Test
    void timeExceededQuotingAnEchoRequest() {
        byte[] translated = ipv4(ICMP, NODE, ENDPOINT, echo(IcmpPacket.TYPE_ECHO_REQUEST, 0x9999, 3, PAYLOAD));
        byte[] sent = ipv4(ICMP, CLIENT, VIP, echo(IcmpPacket.TYPE_ECHO_REQUEST, 0x1234, 3, PAYLOAD));
        byte[] before = ipv4(ICMP, ip("10.244.2.1"), NODE, icmpError(11, 0, first(translated, 36)));
        byte[] expected = ipv4(ICMP, ip("10.244.2.1"), CLIENT, icmpError(11, 0, first(sent, 36)));

        ByteBuffer buf = place(before, AT);
        assertTrue(NatRewriter.rewriteIcmpError(buf, AT, CLIENT, CLIENT, 0x1234, VIP, 0x1234));
        assertArrayEquals(expected, read(buf, AT, before.length));
        assertVerifies(buf, AT, before.length, 0, 0);
    }

    @Test
    void refusesAndLeavesAloneAQuoteTooShortOrANonError() {
        byte[] translated = ipv4(UDP, NODE, ENDPOINT, udp(NODE, 61000, ENDPOINT, 5353, PAYLOAD, true));
        byte[][] refused = {
            ipv4(ICMP, ENDPOINT, NODE, icmpError(3, 3, first(translated, 27))), // 7 bytes of UDP
            ipv4(ICMP, ENDPOINT, NODE, icmpError(3, 3, first(translated, 12))), // not even an IP header
            ipv4(ICMP, ENDPOINT, NODE, echo(IcmpPacket.TYPE_ECHO_REQUEST, 1, 1, translated)),
            translated,
        };
        for (byte[] before : refused) {
            ByteBuffer buf = place(before, AT);
            assertFalse(NatRewriter.rewriteIcmpError(buf, AT, CLIENT, CLIENT, 53124, VIP, 53));
            assertArrayEquals(before, read(buf, AT, before.length));
        }
    }
}
