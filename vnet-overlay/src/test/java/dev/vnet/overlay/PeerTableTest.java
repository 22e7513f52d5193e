package dev.vnet.overlay;

import static dev.vnet.overlay.InnerFrames.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The overlay's peer table as node-1 sees a three-node cluster: node-2 and node-3 are its peers. */
class PeerTableTest {

    static final Peer NODE_2 = peer(2);
    static final Peer NODE_3 = peer(3);
    static final Peer NODE_4 = peer(4);

    /** Node N as ARCHITECTURE.md numbers it: 10.244.N.0/24, underlay 192.168.56.(10+N), VTEP MAC 0a:58:0a:f4:0N:00. */
    static Peer peer(int n) {
        return Peer.of("node-" + n, Cidr.parse("10.244." + n + ".0/24"), Ipv4Address.of(192, 168, 56, 10 + n),
                new MacAddress(0x0a580af40000L | (long) n << 8));
    }

    private final PeerTable table = new PeerTable();

    @BeforeEach
    void installTwoPeers() {
        table.replace(List.of(NODE_2, NODE_3));
    }

    private static Peer byName(String name) {
        return switch (name) {
            case "node-2" -> NODE_2;
            case "node-3" -> NODE_3;
            case "node-4" -> NODE_4;
            case "none" -> null;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "10.244.2.0,     node-2", // the subnet's first address (node-2's TUN)
        "10.244.2.7,     node-2",
        "10.244.2.255,   node-2", // and its last
        "10.244.3.9,     node-3",
        "10.244.1.5,     none",   // our own subnet is not a peer's
        "10.244.4.1,     none",   // a subnet no node holds
        "192.168.56.12,  none",   // a peer's underlay address is not in its pod subnet
        "10.245.2.7,     none",
    })
    void forDestinationPicksThePeerWhoseSubnetHoldsTheAddress(String address, String expected) {
        assertSame(byName(expected), table.forDestination(ip(address)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "192.168.56.12,  node-2",
        "192.168.56.13,  node-3",
        "192.168.56.11,  none",   // ourselves
        "192.168.56.14,  none",
        "10.244.2.0,     none",   // a pod address is not an underlay address
    })
    void forUnderlayFindsThePeerByItsUnderlayAddress(String address, String expected) {
        assertSame(byName(expected), table.forUnderlay(ip(address)));
    }

    @Test
    void emptyTableFindsNothing() {
        PeerTable empty = new PeerTable();

        assertNull(empty.forDestination(ip("10.244.2.7")));
        assertNull(empty.forUnderlay(ip("192.168.56.12")));
        assertEquals(List.of(), empty.peers());
    }

    @Test
    void replaceSwapsTheWholeSet() {
        table.replace(List.of(NODE_4));

        assertNull(table.forDestination(ip("10.244.2.7")));
        assertNull(table.forUnderlay(ip("192.168.56.13")));
        assertSame(NODE_4, table.forDestination(ip("10.244.4.1")));
        assertSame(NODE_4, table.forUnderlay(ip("192.168.56.14")));
        assertEquals(List.of(NODE_4), table.peers());
    }

    @Test
    void replaceWithAnEmptyListRemovesEveryPeer() {
        table.replace(List.of());

        assertNull(table.forDestination(ip("10.244.2.7")));
        assertEquals(List.of(), table.peers());
    }

    @Test
    void replaceTakesASnapshotOfTheList() {
        List<Peer> next = new ArrayList<>(List.of(NODE_2));
        table.replace(next);

        next.add(NODE_4);

        assertNull(table.forDestination(ip("10.244.4.1")));
        assertEquals(List.of(NODE_2), table.peers());
    }

    @Test
    void peersListsTheInstalledSetInOrderAndCannotBeModified() {
        List<Peer> peers = table.peers();

        assertEquals(List.of(NODE_2, NODE_3), peers);
        assertThrows(UnsupportedOperationException.class, () -> peers.add(NODE_4));
    }

    @Test
    void peerEndpointIsItsUnderlayAddressOnTheVxlanPort() {
        InetSocketAddress endpoint = NODE_2.endpoint();

        assertEquals("192.168.56.12", endpoint.getAddress().getHostAddress());
        assertEquals(4789, endpoint.getPort());
        assertTrue(!endpoint.isUnresolved());
        assertEquals("0a:58:0a:f4:02:00", NODE_2.vtepMac().toString());
    }
}
