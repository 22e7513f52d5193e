package dev.vnet.node.metrics;

import dev.vnet.core.packet.DropReason;
import dev.vnet.nat.conntrack.Conntrack;
import dev.vnet.nat.service.ServiceProxy;
import dev.vnet.node.dns.DnsLog;

/** The Service stage (kube-proxy's job), its conntrack table and the cluster DNS, as metrics. */
final class ServiceMetrics {
    private ServiceMetrics() {}

    static void register(MetricSet m, ServiceProxy proxy) {
        m.counter("vnet_service_new_flows_total", "New flows to a Service given an endpoint and DNATed.",
                cb -> cb.call(proxy.newFlows()));
        m.counter("vnet_service_translated_packets_total", "Packets rewritten by the Service stage, both ways.",
                cb -> cb.call(proxy.translated()));
        m.counter("vnet_service_rejected_total",
                "New flows to a Service without endpoints, refused with ICMP port unreachable.",
                cb -> cb.call(proxy.rejected()));
        m.counter("vnet_service_snat_flows_total",
                "New flows also SNATed to the node's address (hairpin, external traffic with policy Cluster).",
                cb -> cb.call(proxy.snatted()));
        m.counter("vnet_service_snat_redirects_total",
                "New flows given another endpoint because every SNAT port toward the first was taken.",
                cb -> cb.call(proxy.snatRedirects()));
        m.counter("vnet_service_drops_total", "Packets the Service stage dropped, by reason.", cb -> {
            for (DropReason r : DropReason.values()) {
                long n = proxy.drops(r);
                if (n != 0) {
                    cb.call(n, MetricSet.reason(r));
                }
            }
        }, "reason");
        conntrack(m, proxy.conntrack());
    }

    private static void conntrack(MetricSet m, Conntrack ct) {
        m.gauge("vnet_conntrack_entries", "Tracked flows (expired ones not yet removed included).",
                cb -> cb.call(ct.size()));
        m.gauge("vnet_conntrack_max_entries", "The most flows the table holds; new flows past it are dropped.",
                cb -> cb.call(ct.maxEntries()));
        m.counter("vnet_conntrack_inserted_total", "Flow entries created.", cb -> cb.call(ct.inserted()));
        m.counter("vnet_conntrack_expired_total", "Flow entries removed because they timed out.",
                cb -> cb.call(ct.expired()));
        m.counter("vnet_conntrack_refused_total",
                "New flows refused: the table was full, or a tuple clashed with another live flow.", cb -> {
                    cb.call(ct.droppedFull(), "table_full");
                    cb.call(ct.clashed(), "clash");
                }, "cause");
        m.counter("vnet_conntrack_early_drops_total",
                "Unassured entries (half-open, unanswered) dropped to make room, as Linux's early_drop does.", cb -> {
                    cb.call(ct.earlyDropped(), "table_full");
                    cb.call(ct.reclaimed(), "snat_port");
                }, "cause");
    }

    /**
     * The cluster DNS counters. The lab keeps one {@link DnsLog} for all its nodes, so these count every
     * node's answers together; they carry no node label.
     */
    static void registerDns(MetricSet m, DnsLog log) {
        m.counter("vnet_dns_queries_total", "DNS questions answered by the lab's nodes, by query type.",
                cb -> log.queriesByType().forEach((type, n) -> cb.call(n, type)), "type");
        m.counter("vnet_dns_responses_total", "DNS answers sent by the lab's nodes, by response code.",
                cb -> log.responsesByRcode().forEach((rcode, n) -> cb.call(n, rcode)), "rcode");
        m.counter("vnet_dns_malformed_total", "DNS messages that could not be parsed.",
                cb -> cb.call(log.malformedCount()));
    }
}
