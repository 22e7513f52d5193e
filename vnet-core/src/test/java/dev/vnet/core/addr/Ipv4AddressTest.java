package dev.vnet.core.addr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Ipv4AddressTest {

    @Test
    void parsesAndFormats() {
        Ipv4Address ip = Ipv4Address.parse("10.244.1.5");
        assertEquals(0x0af40105, ip.bits());
        assertEquals("10.244.1.5", ip.toString());
        assertEquals("255.255.255.255", Ipv4Address.parse("255.255.255.255").toString());
        assertEquals(-1, Ipv4Address.parse("255.255.255.255").bits());
        assertEquals("0.0.0.0", Ipv4Address.toString(0));
    }

    @Test
    void roundTripsRandomAddresses() {
        Random random = new Random(791);
        for (int i = 0; i < 1000; i++) {
            int bits = random.nextInt();
            assertEquals(bits, Ipv4Address.parse(Ipv4Address.toString(bits)).bits());
        }
    }

    @Test
    void rejectsMalformedText() {
        String[] bad = {"256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "+1.2.3.4", " 1.2.3.4",
            "1.2.3.4 ", "1.2.3.-4", "01.2.3.4", "1.2.3.1000", "a.b.c.d", "", "10.244.1.5/24"};
        for (String text : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(text),
                    text);
            assertTrue(e.getMessage().startsWith("bad IPv4 address \"" + text + "\": "), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
        assertEquals("bad IPv4 address \"256.1.1.1\": 256 is larger than 255",
                assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("256.1.1.1")).getMessage());
    }

    @Test
    void ofAndToBytes() {
        Ipv4Address ip = Ipv4Address.of(10, 244, 1, 5);
        assertEquals(Ipv4Address.parse("10.244.1.5"), ip);
        assertArrayEquals(new byte[] {10, (byte) 244, 1, 5}, ip.toBytes());
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.of(256, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.of(0, 0, 0, -1));
    }

    @Test
    void plus() {
        Ipv4Address ip = Ipv4Address.parse("10.244.1.255");
        assertEquals(Ipv4Address.parse("10.244.2.0"), ip.plus(1));
        assertEquals(Ipv4Address.parse("10.244.1.254"), ip.plus(-1));
        assertEquals(Ipv4Address.parse("255.255.255.255"), Ipv4Address.parse("255.255.255.254").plus(1));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("255.255.255.255").plus(1));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("0.0.0.0").plus(-1));
    }

    @Test
    void comparesAsUnsigned() {
        assertTrue(Ipv4Address.parse("10.0.0.1").compareTo(Ipv4Address.parse("192.168.0.1")) < 0);
        assertTrue(Ipv4Address.parse("255.0.0.0").compareTo(Ipv4Address.parse("1.0.0.0")) > 0);
    }
}
