package dev.vnet.cli;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Answers of the lab's {@code stats} and {@code topology} verbs, shaped as ObservabilityApi writes them. */
final class ObservabilityFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ObservabilityFixtures() {}

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (tools.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** node-1 with one pod (web-1) that pinged node-2 and had one packet with a bad checksum. */
    static final String STATS = """
            {'ok': true,
             'nodes': [{'name': 'node-1',
               'ports': [
                 {'name': 'gateway', 'rxPackets': 4, 'rxBytes': 238, 'txPackets': 9, 'txBytes': 1100, 'drops': 5,
                  'dropsByReason': {'NOT_FOR_US': 4, 'BAD_CHECKSUM': 1}},
                 {'name': 'web-1', 'rxPackets': 9, 'rxBytes': 1100, 'txPackets': 4, 'txBytes': 238, 'drops': 0,
                  'dropsByReason': {}}],
               'bridge': {'name': 'br-node-1', 'forwarded': 8, 'flooded': 5, 'learnedNew': 2, 'learnedMoved': 0,
                          'learnRefused': 0, 'diverted': 0, 'fdbEntries': 2},
               'gateway': {'arpReplies': 1, 'echoReplies': 0, 'routed': 3, 'neighbors': 1},
               'router': {'routed': {'LOCAL_POD': 3, 'OVERLAY': 3, 'NODE_TUN': 0}, 'icmpErrors': 0,
                          'dropsByReason': {'NO_ROUTE': 2},
                          'pipeline': [{'stage': 'service', 'packets': 6}, {'stage': 'dns', 'packets': 6},
                                       {'stage': 'router', 'packets': 6}]},
               'vxlan': {'vni': 1, 'txPackets': 3, 'txBytes': 390, 'rxPackets': 3, 'rxBytes': 390, 'peers': 1,
                         'dropsByReason': {}},
               'services': {'newFlows': 0, 'translated': 0, 'rejected': 0, 'snatted': 0, 'snatRedirects': 0,
                            'dropsByReason': {}},
               'conntrack': {'entries': 0, 'max': 262144, 'inserted': 0, 'droppedFull': 0, 'clashed': 0,
                             'expired': 0, 'earlyDropped': 0, 'reclaimed': 0}}],
             'dns': {'queriesByType': {'A': 4, 'AAAA': 4}, 'responsesByRcode': {'NOERROR': 6, 'NXDOMAIN': 2},
                     'malformed': 0}}
            """;

    /** Two nodes that know each other; node-1 runs web-1, node-2 runs nothing. */
    static final String TOPOLOGY = """
            {'ok': true,
             'underlay': {'bridge': 'vnet-ul', 'cidr': '192.168.56.0/24', 'netns': 'vnet-outside',
                          'outsideIP': '192.168.56.1'},
             'vni': 1, 'udpPort': 4789, 'mtu': 1450,
             'nodes': [
               {'name': 'node-1', 'netns': 'vnet-node-1', 'underlayIP': '192.168.56.11', 'underlayLink': 'ul-node-1',
                'podCIDR': '10.244.1.0/24', 'vtepMAC': '0a:58:0a:f4:01:00', 'tun': {'name': 'vnet0', 'ip': '10.244.1.0'},
                'bridge': 'br-node-1', 'gateway': {'ip': '10.244.1.1', 'mac': '0a:58:0a:f4:01:01', 'port': 'gateway'},
                'pods': [{'name': 'web-1', 'namespace': 'default', 'ip': '10.244.1.2', 'mac': '0a:58:0a:f4:01:02',
                          'port': 'web-1'}],
                'peers': [{'node': 'node-2', 'podCIDR': '10.244.2.0/24', 'underlayIP': '192.168.56.12',
                           'vtepMAC': '0a:58:0a:f4:02:00'}]},
               {'name': 'node-2', 'netns': 'vnet-node-2', 'underlayIP': '192.168.56.12', 'underlayLink': 'ul-node-2',
                'podCIDR': '10.244.2.0/24', 'vtepMAC': '0a:58:0a:f4:02:00', 'tun': {'name': 'vnet0', 'ip': '10.244.2.0'},
                'bridge': 'br-node-2', 'gateway': {'ip': '10.244.2.1', 'mac': '0a:58:0a:f4:02:01', 'port': 'gateway'},
                'pods': [],
                'peers': [{'node': 'node-1', 'podCIDR': '10.244.1.0/24', 'underlayIP': '192.168.56.11',
                           'vtepMAC': '0a:58:0a:f4:01:00'}]}],
             'tunnels': [{'from': 'node-1', 'fromIP': '192.168.56.11', 'fromPodCIDR': '10.244.1.0/24',
                          'to': 'node-2', 'toIP': '192.168.56.12', 'toPodCIDR': '10.244.2.0/24', 'vni': 1,
                          'both': true}]}
            """;
}
