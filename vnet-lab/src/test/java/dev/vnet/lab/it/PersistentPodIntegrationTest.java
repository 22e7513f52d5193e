package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.GatewayPort;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.linux.Commands;
import dev.vnet.core.linux.NetNs;
import dev.vnet.core.linux.Privileges;
import dev.vnet.node.pod.PodSandbox;
import java.io.IOException;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A pod's network outliving its node process: a persistent TAP keeps eth0 (address, MAC, routes) in the pod's
 * namespace with no descriptor open, and a new attach brings the pod back on the bridge. Real namespace, real TAP,
 * real ping to the gateway port.
 */
@Tag("integration")
class PersistentPodIntegrationTest {
    private static final Cidr SUBNET = Cidr.parse("10.244.1.0/24");
    private static final Ipv4Address GATEWAY = Ipv4Address.parse("10.244.1.1");
    private static final Ipv4Address IP = Ipv4Address.parse("10.244.1.7");
    private final Commands commands = new Commands(null);
    private String netns;
    private Bridge bridge;

    @BeforeEach
    void setUp() {
        String why = Privileges.whyNotUsable();
        assumeTrue(why == null, "integration test skipped: " + why);
        netns = "vpp" + UUID.randomUUID().toString().substring(0, 6);
        bridge = new Bridge("br-test");
        new GatewayPort(bridge, GATEWAY.bits(), MacAddress.forPodIp(GATEWAY).bits());
    }

    @AfterEach
    void tearDown() {
        if (netns != null && NetNs.exists(netns)) {
            commands.tryRun("ip", "netns", "del", netns);
        }
    }

    private PodSandbox.Spec spec() {
        return new PodSandbox.Spec(netns, netns, "default", netns, IP, SUBNET, GATEWAY, 1450,
                Ipv4Address.parse("10.96.0.10"), "cluster.local");
    }

    private boolean pingsGateway() {
        return commands.tryRun("ip", "netns", "exec", netns, "ping", "-c", "1", "-W", "1", GATEWAY.toString()).ok();
    }

    @Test
    void aDetachedPodKeepsItsNetworkAndComesBackOnAttach() throws IOException {
        PodSandbox first = PodSandbox.create(spec(), commands, bridge, System::nanoTime, true);
        assertTrue(pingsGateway(), "the new pod reaches its gateway");
        first.detach(); // the node process goes away

        String link = commands.run("ip", "-n", netns, "-br", "link", "show", "eth0");
        assertTrue(link.contains("0a:58:0a:f4:01:07") && link.contains("NO-CARRIER"), link);
        assertTrue(commands.run("ip", "-n", netns, "-4", "addr", "show", "eth0").contains(IP + "/24"));
        assertTrue(commands.run("ip", "-n", netns, "route").contains("default via " + GATEWAY));
        assertFalse(pingsGateway(), "nothing forwards while no process holds the TAP");

        PodSandbox again = PodSandbox.attach(spec(), commands, bridge, System::nanoTime);
        assertTrue(pingsGateway(), "re-attached, the pod reaches its gateway again");
        assertEquals(MacAddress.forPodIp(IP), again.mac());
        again.close();
        assertFalse(NetNs.exists(netns), "closing a pod removes its namespace");
    }

    @Test
    void attachingToAPodWithoutItsNetworkFailsAndChangesNothing() throws IOException {
        assertThrows(IOException.class, () -> PodSandbox.attach(spec(), commands, bridge, System::nanoTime));
        commands.run("ip", "netns", "add", netns);
        IOException e = assertThrows(IOException.class,
                () -> PodSandbox.attach(spec(), commands, bridge, System::nanoTime));
        assertTrue(e.getMessage().contains("no eth0"), e.getMessage());
        assertEquals(1, bridge.ports().size(), "only the gateway's port");
    }
}
