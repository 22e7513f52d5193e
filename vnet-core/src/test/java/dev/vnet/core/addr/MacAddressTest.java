package dev.vnet.core.addr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void parsesAndFormats() {
        MacAddress mac = MacAddress.parse("0a:58:0a:f4:01:05");
        assertEquals(0x0a580af40105L, mac.bits());
        assertEquals("0a:58:0a:f4:01:05", mac.toString());
        assertEquals("0a:58:0a:f4:01:05", MacAddress.toString(0x0a580af40105L));
    }

    @Test
    void parseIgnoresCaseAndPrintsLowerCase() {
        MacAddress mac = MacAddress.parse("0A:58:0A:F4:01:FF");
        assertEquals("0a:58:0a:f4:01:ff", mac.toString());
        assertEquals(mac, MacAddress.parse(mac.toString()));
    }

    @Test
    void formatsLeadingZeros() {
        assertEquals("00:00:00:00:00:01", new MacAddress(1).toString());
        assertEquals("00:00:00:00:00:00", MacAddress.toString(0));
    }

    @Test
    void rejectsMalformedText() {
        for (String text : new String[] {"zz", "zz:58:0a:f4:01:05", "0a:58:0a:f4:01", "0a:58:0a:f4:01:05:06",
            "0a:58:0a:f4:1:05", "0a-58-0a-f4-01-05", "0a:58:0a:f4:01:", " 0a:58:0a:f4:01:05", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
            assertEquals("bad MAC address \"" + text + "\": expected six hex octets like 0a:58:0a:f4:01:05",
                    e.getMessage());
        }
    }

    @Test
    void rejectsMoreThan48Bits() {
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(-1));
    }

    @Test
    void broadcastAndMulticast() {
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.BROADCAST.toString());
        assertTrue(MacAddress.BROADCAST.isBroadcast());
        assertTrue(MacAddress.BROADCAST.isMulticast());
        assertTrue(MacAddress.parse("01:00:5e:00:00:01").isMulticast()); // IPv4 multicast
        assertTrue(MacAddress.parse("33:33:00:00:00:01").isMulticast()); // IPv6 multicast
        assertFalse(MacAddress.parse("01:00:5e:00:00:01").isBroadcast());
        assertFalse(MacAddress.parse("0a:58:0a:f4:01:05").isMulticast());
        assertFalse(MacAddress.parse("fe:ff:ff:ff:ff:ff").isMulticast()); // locally administered unicast
        assertTrue(MacAddress.isMulticast(0x0100_0000_0000L));
        assertFalse(MacAddress.isMulticast(0x0000_0000_0001L));
    }

    @Test
    void podMacFollowsTheCniBridgeConvention() {
        assertEquals(MacAddress.parse("0a:58:0a:f4:01:05"), MacAddress.forPodIp(Ipv4Address.parse("10.244.1.5")));
        assertEquals("0a:58:c0:a8:38:ff", MacAddress.forPodIp(Ipv4Address.parse("192.168.56.255")).toString());
    }
}
