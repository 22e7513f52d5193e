package dev.vnet.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vnet.bridge.BridgePort;
import dev.vnet.core.linux.Commands;
import dev.vnet.node.VnetNode;
import dev.vnet.overlay.Peer;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The JSON behind {@code vnet stats} and {@code vnet topology} for nodes built without root: the field names
 * here are the ones the CLI reads (lab-cli's ObservabilityFixtures has the same shapes).
 */
class ObservabilityApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static VnetNode node(int i) {
        return new VnetNode(dev.vnet.node.NodeConfig.defaults(i), Commands.quiet(), System::nanoTime, key -> { });
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void statsOfAFreshNodeWithOneTruncatedFrame() throws Exception {
        VnetNode n = node(1);
        BridgePort pod = n.bridge().attach("web-1", (frame, length, now) -> true);
        n.bridge().receive(pod, ByteBuffer.allocateDirect(10), 10, 0);
        assertEquals(json("""
                {'name': 'node-1',
                 'ports': [
                   {'name': 'gateway', 'rxPackets': 0, 'rxBytes': 0, 'txPackets': 0, 'txBytes': 0, 'drops': 0,
                    'dropsByReason': {}},
                   {'name': 'web-1', 'rxPackets': 1, 'rxBytes': 10, 'txPackets': 0, 'txBytes': 0, 'drops': 1,
                    'dropsByReason': {'TRUNCATED': 1}}],
                 'bridge': {'name': 'br-node-1', 'forwarded': 0, 'flooded': 0, 'learnedNew': 0, 'learnedMoved': 0,
                            'learnRefused': 0, 'diverted': 0, 'fdbEntries': 1},
                 'gateway': {'arpReplies': 0, 'echoReplies': 0, 'routed': 0, 'neighbors': 0},
                 'router': {'routed': {'LOCAL_POD': 0, 'OVERLAY': 0, 'NODE_TUN': 0}, 'icmpErrors': 0,
                            'dropsByReason': {},
                            'pipeline': [
                              {'stage': 'service', 'packets': 0, 'passed': 0, 'sent': 0, 'dropsByReason': {}},
                              {'stage': 'policy', 'packets': 0, 'passed': 0, 'sent': 0, 'dropsByReason': {}},
                              {'stage': 'dns', 'packets': 0, 'passed': 0, 'sent': 0, 'dropsByReason': {}},
                              {'stage': 'router', 'packets': 0, 'passed': 0, 'sent': 0, 'dropsByReason': {}}]},
                 'vxlan': {'vni': 1, 'txPackets': 0, 'txBytes': 0, 'rxPackets': 0, 'rxBytes': 0, 'peers': 0,
                           'dropsByReason': {}},
                 'services': {'newFlows': 0, 'translated': 0, 'rejected': 0, 'snatted': 0, 'snatRedirects': 0,
                              'dropsByReason': {}},
                 'conntrack': {'entries': 0, 'max': 262144, 'inserted': 0, 'droppedFull': 0, 'clashed': 0,
                               'expired': 0, 'earlyDropped': 0, 'reclaimed': 0}}
                """), reparsed(ObservabilityApi.nodeStats(n)));
    }

    @Test
    void topologyOfANodeShowsItsDevicesAndPeers() throws Exception {
        VnetNode one = node(1);
        VnetNode two = node(2);
        one.peers().replace(List.of(peerOf(two)));
        assertEquals(json("""
                {'name': 'node-1', 'netns': 'vnet-node-1', 'underlayIP': '192.168.56.11', 'underlayLink': 'ul-node-1',
                 'podCIDR': '10.244.1.0/24', 'vtepMAC': '0a:58:0a:f4:01:00',
                 'tun': {'name': 'vnet0', 'ip': '10.244.1.0'}, 'bridge': 'br-node-1',
                 'gateway': {'ip': '10.244.1.1', 'mac': '0a:58:0a:f4:01:01', 'port': 'gateway'},
                 'pods': [],
                 'peers': [{'node': 'node-2', 'podCIDR': '10.244.2.0/24', 'underlayIP': '192.168.56.12',
                            'vtepMAC': '0a:58:0a:f4:02:00'}]}
                """), reparsed(ObservabilityApi.nodeTopology(one)));
    }

    @Test
    void aTunnelIsListedOncePerPairAndSaysWhetherBothEndsKnowEachOther() throws Exception {
        VnetNode one = node(1);
        VnetNode two = node(2);
        VnetNode three = node(3);
        one.peers().replace(List.of(peerOf(two)));
        two.peers().replace(List.of(peerOf(one)));
        three.peers().replace(List.of(peerOf(one)));
        assertEquals(json("""
                [{'from': 'node-1', 'fromIP': '192.168.56.11', 'fromPodCIDR': '10.244.1.0/24',
                  'to': 'node-2', 'toIP': '192.168.56.12', 'toPodCIDR': '10.244.2.0/24', 'vni': 1, 'both': true},
                 {'from': 'node-3', 'fromIP': '192.168.56.13', 'fromPodCIDR': '10.244.3.0/24',
                  'to': 'node-1', 'toIP': '192.168.56.11', 'toPodCIDR': '10.244.1.0/24', 'vni': 1, 'both': false}]
                """), reparsed(JSON.valueToTree(ObservabilityApi.tunnels(List.of(one, two, three)))));
    }

    /** As the CLI sees it: numbers written as longs read back as ints, so compare what went over the wire. */
    private static JsonNode reparsed(JsonNode sent) throws Exception {
        return JSON.readTree(sent.toString());
    }

    private static Peer peerOf(VnetNode n) {
        return Peer.of(n.config().name(), n.config().podSubnet(), n.config().underlayIp(), n.config().vtepMac());
    }
}
