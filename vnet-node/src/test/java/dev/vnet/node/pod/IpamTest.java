package dev.vnet.node.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpamTest {

    private static final Cidr SUBNET = Cidr.parse("10.244.1.0/24");
    private static final Ipv4Address GATEWAY = ip("10.244.1.1");

    private static Ipv4Address ip(String text) {
        return Ipv4Address.parse(text);
    }

    private static Ipam ipam(String subnet) {
        Cidr cidr = Cidr.parse(subnet);
        return new Ipam(cidr, cidr.host(1));
    }

    @Test
    void theFirstPodGetsDotTwo() {
        Ipam ipam = new Ipam(SUBNET, GATEWAY);

        assertEquals(ip("10.244.1.2"), ipam.allocate("default/a"));
    }

    @Test
    void podsGetConsecutiveAddresses() {
        Ipam ipam = new Ipam(SUBNET, GATEWAY);

        assertEquals(ip("10.244.1.2"), ipam.allocate("default/a"));
        assertEquals(ip("10.244.1.3"), ipam.allocate("default/b"));
        assertEquals(ip("10.244.1.4"), ipam.allocate("default/c"));
    }

    @Test
    void neverHandsOutTheNetworkTheGatewayOrTheBroadcastAddress() {
        Ipam ipam = new Ipam(SUBNET, GATEWAY);
        Set<Ipv4Address> given = new HashSet<>();

        for (int i = 0; i < 253; i++) {
            given.add(ipam.allocate("pod-" + i));
        }

        assertEquals(253, given.size());
        assertFalse(given.contains(ip("10.244.1.0")));
        assertFalse(given.contains(ip("10.244.1.1")));
        assertFalse(given.contains(ip("10.244.1.255")));
        assertThrows(IllegalStateException.class, () -> ipam.allocate("one-too-many"));
    }

    @Test
    void allocateIsIdempotentPerOwner() {
        Ipam ipam = new Ipam(SUBNET, GATEWAY);
        Ipv4Address first = ipam.allocate("default/a");

        assertEquals(first, ipam.allocate("default/a"));
        assertEquals(1, ipam.inUse());
    }

    @Test
    void releaseFreesTheAddressAndTheLowestFreeOneIsReused() {
        Ipam ipam = new Ipam(SUBNET, GATEWAY);
        ipam.allocate("default/a");                  // .2
        Ipv4Address b = ipam.allocate("default/b");  // .3
        ipam.allocate("default/c");                  // .4

        ipam.release("default/b");

        assertEquals(2, ipam.inUse());
        assertEquals(b, ipam.allocate("default/d"));
        assertEquals(ip("10.244.1.5"), ipam.allocate("default/e"));
    }

    @Test
    void aReleasedOwnerGetsAFreshAddress() {
        Ipam ipam = new Ipam(SUBNET, GATEWAY);
        ipam.allocate("default/a");                  // .2
        ipam.allocate("default/b");                  // .3
        ipam.release("default/a");
        ipam.allocate("default/c");                  // takes .2

        assertEquals(ip("10.244.1.4"), ipam.allocate("default/a"));
    }

    @Test
    void releaseOfAnOwnerWithoutAnAddressIsHarmless() {
        Ipam ipam = new Ipam(SUBNET, GATEWAY);
        Ipv4Address a = ipam.allocate("default/a");

        ipam.release("default/nobody");
        ipam.release("default/nobody");

        assertEquals(1, ipam.inUse());
        assertNotEquals(a, ipam.allocate("default/b"));
    }

    @Test
    void aSlash29HoldsFivePods() {
        Ipam ipam = ipam("10.244.1.0/29");

        for (int i = 0; i < 5; i++) {
            assertEquals(ip("10.244.1." + (i + 2)), ipam.allocate("pod-" + i));
        }
        assertEquals(5, ipam.inUse());
    }

    @Test
    void aFullSubnetRefusesTheNextPodWithAClearMessage() {
        Ipam ipam = ipam("10.244.1.0/29");
        for (int i = 0; i < 5; i++) {
            ipam.allocate("pod-" + i);
        }

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ipam.allocate("pod-5"));

        assertEquals("pod subnet 10.244.1.0/29 is full (5 pods)", e.getMessage());
    }

    @Test
    void aFullSubnetStillAnswersItsExistingOwners() {
        Ipam ipam = ipam("10.244.1.0/29");
        for (int i = 0; i < 5; i++) {
            ipam.allocate("pod-" + i);
        }

        assertEquals(ip("10.244.1.4"), ipam.allocate("pod-2"));
    }

    @Test
    void releasingFromAFullSubnetMakesRoomAgain() {
        Ipam ipam = ipam("10.244.1.0/29");
        for (int i = 0; i < 5; i++) {
            ipam.allocate("pod-" + i);
        }

        ipam.release("pod-3");

        assertEquals(ip("10.244.1.5"), ipam.allocate("pod-5"));
    }

    @Test
    void aSlash30HoldsOnePod() {
        Ipam ipam = ipam("10.244.1.0/30");

        assertEquals(ip("10.244.1.2"), ipam.allocate("default/a"));
        assertThrows(IllegalStateException.class, () -> ipam.allocate("default/b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.244.1.0/31", "10.244.1.0/32"})
    void rejectsASubnetSmallerThanSlash30(String subnet) {
        Cidr cidr = Cidr.parse(subnet);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Ipam(cidr, cidr.network()));

        assertEquals("pod subnet " + subnet + " is too small: use /30 or larger", e.getMessage());
    }

    @Test
    void skipsAGatewayThatIsNotDotOne() {
        Cidr subnet = Cidr.parse("10.244.1.0/29");
        Ipv4Address gateway = ip("10.244.1.3");
        Ipam ipam = new Ipam(subnet, gateway);
        Set<Ipv4Address> given = new HashSet<>();

        for (int i = 0; i < 5; i++) {
            given.add(ipam.allocate("pod-" + i));
        }

        assertEquals(5, given.size());
        assertFalse(given.contains(gateway));
        assertFalse(given.contains(ip("10.244.1.0")));
        assertFalse(given.contains(ip("10.244.1.7")));
    }

    @Test
    void subnetIsTheOneGiven() {
        assertEquals(SUBNET, new Ipam(SUBNET, GATEWAY).subnet());
    }
}
