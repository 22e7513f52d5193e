package dev.vnet.apiserver.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** How the answers of several node APIs become one: lists joined, counts added, the rest from the first. */
class ClusterClientMergeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listsAreJoinedCountsAddedAndTheRestKept() throws Exception {
        ObjectNode a = (ObjectNode) JSON.readTree("""
                {"ok":true,"pid":10,"entries":[{"node":"node-1"}],"malformed":1,
                 "queriesByType":{"A":2},"proxyMode":"iptables"}""");
        ObjectNode b = (ObjectNode) JSON.readTree("""
                {"ok":true,"pid":20,"entries":[{"node":"node-2"},{"node":"node-2"}],"malformed":2,
                 "queriesByType":{"A":1,"SRV":4},"proxyMode":"ipvs"}""");
        ObjectNode m = ClusterClient.merge(a, b);
        assertEquals(3, m.path("entries").size());
        assertEquals(3, m.path("malformed").asInt());
        assertEquals(3, m.path("queriesByType").path("A").asInt());
        assertEquals(4, m.path("queriesByType").path("SRV").asInt());
        assertEquals(10, m.path("pid").asInt());
        assertEquals("iptables", m.path("proxyMode").asString());
        assertEquals(true, m.path("ok").asBoolean());
    }
}
