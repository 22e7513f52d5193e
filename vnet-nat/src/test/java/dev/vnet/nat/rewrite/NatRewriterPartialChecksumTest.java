package dev.vnet.nat.rewrite;

import static dev.vnet.nat.rewrite.Packets.ipv4;
import static dev.vnet.nat.rewrite.Packets.place;
import static dev.vnet.nat.rewrite.Packets.read;
import static dev.vnet.nat.rewrite.Packets.tcp;
import static dev.vnet.nat.rewrite.Packets.udp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.packet.Checksum;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.Segmenter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * NAT on a frame whose TCP/UDP checksum is partial (NEEDS_CSUM: the pseudo-header sum only): after the rewrite
 * and the completion a device (or the Segmenter) does, the packet is byte for byte the one built from scratch
 * with the new tuple, checksums summed in full.
 */
class NatRewriterPartialChecksumTest {
    static final int AT = 14;
    static final byte[] PAYLOAD = "0123456789abcdefghijklmnopqrstuvwxyz-partial".getBytes(StandardCharsets.US_ASCII);

    static int ip(String dotted) {
        return Ipv4Address.parse(dotted).bits();
    }

    static byte[] packet(String proto, int src, int sport, int dst, int dport) {
        return proto.equals("tcp")
                ? ipv4(Ipv4Packet.PROTO_TCP, src, dst, tcp(src, sport, dst, dport, PAYLOAD))
                : ipv4(Ipv4Packet.PROTO_UDP, src, dst, udp(src, sport, dst, dport, PAYLOAD, true));
    }

    /** The packet as a pod's kernel hands it over with checksum offload: the field holds the pseudo-header sum. */
    static ByteBuffer partial(byte[] full, String proto, int src, int dst) {
        ByteBuffer buf = place(full, AT);
        int l4Length = full.length - 20;
        int ph = Checksum.sum(buf, 0, 0, Checksum.pseudoHeaderSum(src, dst,
                proto.equals("tcp") ? Ipv4Packet.PROTO_TCP : Ipv4Packet.PROTO_UDP, l4Length));
        int field = AT + 20 + (proto.equals("tcp") ? 16 : 6);
        buf.put(field, (byte) (ph >>> 8));
        buf.put(field + 1, (byte) ph);
        return buf;
    }

    static void complete(ByteBuffer buf, String proto, int length) {
        int l4 = AT + 20;
        Segmenter.completeChecksum(buf, l4, AT + length, l4 + (proto.equals("tcp") ? 16 : 6), proto.equals("udp"));
    }

    @ParameterizedTest(name = "{0}: {1}:{2} → {3}:{4} becomes {5}:{6} → {7}:{8}")
    @CsvSource({
        "tcp, 10.244.1.2, 40000, 10.96.0.20, 80, 10.244.1.2, 40000, 10.244.2.3, 8080",     // DNAT
        "tcp, 10.244.2.3, 8080, 10.244.1.2, 40000, 10.96.0.20, 80, 10.244.1.2, 40000",     // its reply, un-DNAT
        "tcp, 10.244.1.2, 40000, 10.96.0.20, 80, 10.244.1.1, 61000, 10.244.2.3, 8080",     // DNAT and SNAT
        "udp, 10.244.1.2, 5353, 10.96.0.10, 53, 10.244.1.1, 61001, 10.244.3.4, 53",
        "udp, 10.244.3.4, 53, 10.244.1.1, 61001, 10.96.0.10, 53, 10.244.1.2, 5353",
    })
    void onlyThePseudoHeaderPartChanges(String proto, String src, int sport, String dst, int dport,
                                        String newSrc, int newSport, String newDst, int newDport) {
        byte[] before = packet(proto, ip(src), sport, ip(dst), dport);
        byte[] expected = packet(proto, ip(newSrc), newSport, ip(newDst), newDport);

        ByteBuffer direct = partial(before, proto, ip(src), ip(dst));
        NatRewriter.rewrite(direct, AT, ip(newSrc), newSport, ip(newDst), newDport, true);
        complete(direct, proto, before.length);
        assertArrayEquals(expected, read(direct, AT, before.length), "rewrite(..., partial) then completed");

        // As the Service stage does it around a proxy that calls the plain rewrite.
        ByteBuffer saved = partial(before, proto, ip(src), ip(dst));
        int field = NatRewriter.partialChecksum(saved, AT);
        NatRewriter.rewrite(saved, AT, ip(newSrc), newSport, ip(newDst), newDport);
        NatRewriter.restorePartialChecksum(saved, AT, field, ip(src), ip(dst));
        ByteBuffer check = partial(expected, proto, ip(newSrc), ip(newDst));
        assertEquals(NatRewriter.partialChecksum(check, AT), NatRewriter.partialChecksum(saved, AT),
                "the partial sum is the new tuple's pseudo-header sum");
        complete(saved, proto, before.length);
        assertArrayEquals(expected, read(saved, AT, before.length), "saved, rewritten, restored, completed");
    }
}
