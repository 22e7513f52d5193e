package dev.vnet.core.addr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CidrTest {

    private static Ipv4Address ip(String text) {
        return Ipv4Address.parse(text);
    }

    @Test
    void parsesAndFormats() {
        Cidr cidr = Cidr.parse("10.244.1.0/24");
        assertEquals(ip("10.244.1.0"), cidr.network());
        assertEquals(24, cidr.prefixLength());
        assertEquals("10.244.1.0/24", cidr.toString());
        assertEquals(cidr, Cidr.parse(cidr.toString()));
        assertEquals("0.0.0.0/0", Cidr.parse("0.0.0.0/0").toString());
        assertEquals("10.244.1.5/32", Cidr.parse("10.244.1.5/32").toString());
    }

    @Test
    void rejectsHostBitsAndSuggestsTheNetwork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.1.5/24"));
        assertEquals("bad CIDR \"10.244.1.5/24\": host bits are set, did you mean 10.244.1.0/24?", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Cidr(ip("10.96.0.0"), 10));
    }

    @Test
    void rejectsBadPrefixes() {
        assertEquals("bad CIDR \"10.0.0.0/33\": prefix length must be 0..32",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33")).getMessage());
        for (String text : new String[] {"10.0.0.0", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
            "10.0.0.0/100", "10.0.0/8", "/8"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text), text);
            assertTrue(e.getMessage().startsWith("bad CIDR \"" + text + "\": "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Cidr(ip("0.0.0.0"), -1));
    }

    @Test
    void maskAndSize() {
        assertEquals(0xFFFFFF00, Cidr.parse("10.244.1.0/24").mask());
        assertEquals(256, Cidr.parse("10.244.1.0/24").size());
        assertEquals(0, Cidr.parse("0.0.0.0/0").mask());
        assertEquals(1L << 32, Cidr.parse("0.0.0.0/0").size());
        assertEquals(-1, Cidr.parse("10.0.0.1/32").mask());
        assertEquals(1, Cidr.parse("10.0.0.1/32").size());
        assertEquals(0xFFF00000, Cidr.parse("10.96.0.0/12").mask());
    }

    @Test
    void contains() {
        Cidr pods = Cidr.parse("10.244.1.0/24");
        assertTrue(pods.contains(ip("10.244.1.0")));
        assertTrue(pods.contains(ip("10.244.1.255")));
        assertFalse(pods.contains(ip("10.244.2.0")));
        assertFalse(pods.contains(ip("10.244.0.255")));
        assertTrue(pods.contains(0x0af40105));

        Cidr services = Cidr.parse("10.96.0.0/12");
        assertTrue(services.contains(ip("10.96.0.10")));
        assertTrue(services.contains(ip("10.111.255.255")));
        assertFalse(services.contains(ip("10.112.0.0")));

        assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("255.255.255.255")));
        assertTrue(Cidr.parse("10.0.0.1/32").contains(ip("10.0.0.1")));
        assertFalse(Cidr.parse("10.0.0.1/32").contains(ip("10.0.0.2")));
        // High addresses are negative ints; the mask must still work.
        assertTrue(Cidr.parse("192.168.56.0/24").contains(ip("192.168.56.11")));
        assertFalse(Cidr.parse("128.0.0.0/1").contains(ip("127.255.255.255")));
    }

    @Test
    void host() {
        Cidr pods = Cidr.parse("10.244.1.0/24");
        assertEquals(ip("10.244.1.1"), pods.host(1));
        assertEquals(ip("10.244.1.255"), pods.host(255));
        assertEquals(ip("10.244.1.0"), pods.host(0));
        assertThrows(IllegalArgumentException.class, () -> pods.host(256));
        assertThrows(IllegalArgumentException.class, () -> pods.host(-1));
        assertEquals(ip("127.255.255.255"), Cidr.parse("0.0.0.0/0").host(Integer.MAX_VALUE));
    }

    @Test
    void overlaps() {
        Cidr cluster = Cidr.parse("10.244.0.0/16");
        Cidr node1 = Cidr.parse("10.244.1.0/24");
        Cidr node2 = Cidr.parse("10.244.2.0/24");
        assertTrue(cluster.overlaps(node1));
        assertTrue(node1.overlaps(cluster));
        assertTrue(node1.overlaps(node1));
        assertFalse(node1.overlaps(node2));
        assertFalse(cluster.overlaps(Cidr.parse("10.96.0.0/12")));
        assertTrue(Cidr.parse("0.0.0.0/0").overlaps(node2));
        assertTrue(Cidr.parse("10.244.1.7/32").overlaps(node1));
        assertFalse(Cidr.parse("10.244.2.0/32").overlaps(node1));
        // Adjacent halves of one /23 do not overlap.
        assertFalse(Cidr.parse("10.0.0.0/24").overlaps(Cidr.parse("10.0.1.0/24")));
        assertTrue(Cidr.parse("10.0.0.0/23").overlaps(Cidr.parse("10.0.1.0/24")));
    }
}
