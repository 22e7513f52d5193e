package dev.vnet.core.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class IpProtocolTest {

    @Test
    void namesTheProtocolsVnetHandlesAndNumbersTheOthers() {
        assertEquals("icmp", IpProtocol.nameOf(1));
        assertEquals("tcp", IpProtocol.nameOf(6));
        assertEquals("udp", IpProtocol.nameOf(17));
        assertEquals("ip/47", IpProtocol.nameOf(47));
        assertEquals("ip/0", IpProtocol.nameOf(256), "the protocol field is 8 bits");
    }

    @Test
    void namingAllocatesNothing() {
        assertSame(IpProtocol.nameOf(47), IpProtocol.nameOf(47));
    }

    @Test
    void byNumberAndByName() {
        assertSame(IpProtocol.TCP, IpProtocol.of(Ipv4Packet.PROTO_TCP));
        assertNull(IpProtocol.of(47));
        assertSame(IpProtocol.UDP, IpProtocol.named("UDP"));
        assertNull(IpProtocol.named("sctp"));
        assertEquals(1, IpProtocol.named("icmp").number());
    }
}
