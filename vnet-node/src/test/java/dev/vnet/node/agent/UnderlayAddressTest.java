package dev.vnet.node.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.core.addr.Cidr;
import org.junit.jupiter.api.Test;

/** The underlay address of a node: from --iface, or the one inside the underlay network, never the NAT one. */
class UnderlayAddressTest {
    /** `ip -o -4 addr show` on a Vagrant VM: the NAT interface first, the private network second. */
    private static final String VAGRANT_VM = """
            1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
            2: eth0    inet 10.0.2.15/24 brd 10.0.2.255 scope global dynamic eth0\\       valid_lft 86112sec
            3: eth1    inet 192.168.56.12/24 brd 192.168.56.255 scope global eth1\\       valid_lft forever
            """;
    private static final Cidr UNDERLAY = Cidr.parse("192.168.56.0/24");

    @Test
    void withoutIfaceTheAddressInTheUnderlayIsChosenNotTheNatOne() throws Exception {
        assertEquals("192.168.56.12", UnderlayAddress.pick(VAGRANT_VM, null, UNDERLAY).toString());
    }

    @Test
    void withIfaceItsAddressIsTaken() throws Exception {
        String eth1 = VAGRANT_VM.lines().filter(l -> l.contains("eth1")).findFirst().orElseThrow();
        assertEquals("192.168.56.12", UnderlayAddress.pick(eth1, "eth1", UNDERLAY).toString());
    }

    @Test
    void noAddressInTheUnderlaySaysToPassIface() {
        String natOnly = VAGRANT_VM.lines().filter(l -> !l.contains("eth1")).reduce("", (a, b) -> a + b + "\n");
        ApiException e = assertThrows(ApiException.class, () -> UnderlayAddress.pick(natOnly, null, UNDERLAY));
        assertTrue(e.getMessage().contains("pass --iface"), e.getMessage());
        ApiException missing = assertThrows(ApiException.class, () -> UnderlayAddress.pick("", "eth9", UNDERLAY));
        assertTrue(missing.getMessage().contains("interface eth9 has no IPv4 address"), missing.getMessage());
    }
}
