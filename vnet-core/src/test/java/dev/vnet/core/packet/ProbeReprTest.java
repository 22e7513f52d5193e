package dev.vnet.core.packet;

import static dev.vnet.core.packet.PacketTesting.hex;
import static dev.vnet.core.packet.PacketTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.trace.Probe;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The frames `vnet trace` sends, byte for byte, and that each is the probe it stands for. */
class ProbeReprTest {
    private static final long POD_MAC = 0x0a580af40102L;
    private static final long GATEWAY_MAC = 0x0a580af40101L;
    private static final int POD = Ipv4Address.parse("10.244.1.2").bits();
    private static final int SERVICE = Ipv4Address.parse("10.96.0.2").bits();
    private static final String ETHERNET_AND_IP = "0a 58 0a f4 01 01 0a 58 0a f4 01 02 08 00" // to the gateway, IPv4
            + "45 00 00 %s 42 42 40 00 40 %s %s 0a f4 01 02 0a 60 00 02";                   // id 0x4242, DF, TTL 64

    /** TCP SYN 10.244.1.2:45000 → 10.96.0.2:80, sequence number 0xdeadbeef (the marker). */
    static final byte[] TCP_PROBE = hex(ETHERNET_AND_IP.formatted("28", "06", "e2 36")
            + "af c8 00 50 de ad be ef 00 00 00 00 50 02 fa f0 50 e4 00 00");
    /** UDP 10.244.1.2:45000 → 10.96.0.2:53 carrying "vnet-trace". */
    static final byte[] UDP_PROBE = hex(ETHERNET_AND_IP.formatted("26", "11", "e2 2d")
            + "af c8 00 35 00 12 5a 57 76 6e 65 74 2d 74 72 61 63 65");
    /** ICMP echo request, identifier 0xbeef (the marker), sequence 1, data "vnet-trace". */
    static final byte[] ICMP_PROBE = hex(ETHERNET_AND_IP.formatted("26", "01", "e2 3d")
            + "08 00 59 f1 be ef 00 01 76 6e 65 74 2d 74 72 61 63 65");

    private static ProbeRepr probe(int protocol, int port, long marker) {
        return new ProbeRepr(POD_MAC, GATEWAY_MAC, POD, SERVICE, protocol, 0x4242, 45000, port, marker);
    }

    private static byte[] emitted(ProbeRepr p) {
        ByteBuffer frame = ByteBuffer.allocateDirect(128);
        int length = p.emit(frame);
        assertEquals(p.bufferLength(), length);
        return read(frame, 0, length);
    }

    @Test
    void emitWritesTheFramesTraceSends() {
        assertArrayEquals(TCP_PROBE, emitted(probe(Ipv4Packet.PROTO_TCP, 80, 0xdeadbeefL)));
        assertArrayEquals(UDP_PROBE, emitted(probe(Ipv4Packet.PROTO_UDP, 53, 45000)));
        assertArrayEquals(ICMP_PROBE, emitted(probe(Ipv4Packet.PROTO_ICMP, 0, 0xbeef)));
    }

    @Test
    void eachFrameIsRecognisedAsItsProbe() {
        assertTrue(new Probe(0x4242, 6, 0xdeadbeefL).matches(ByteBuffer.wrap(TCP_PROBE), 14));
        assertTrue(new Probe(0x4242, 17, 0).matches(ByteBuffer.wrap(UDP_PROBE), 14));
        assertTrue(new Probe(0x4242, 1, 0xbeef).matches(ByteBuffer.wrap(ICMP_PROBE), 14));
    }

    @Test
    void otherProtocolsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> probe(47, 0, 0));
        assertEquals("a probe is TCP, UDP or ICMP, not ip/47", e.getMessage());
    }
}
