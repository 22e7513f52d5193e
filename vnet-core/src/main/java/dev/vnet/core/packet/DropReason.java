package dev.vnet.core.packet;

/**
 * Why a stage dropped a packet. Counters are arrays indexed by {@link #ordinal()}, so add new reasons at
 * the end.
 */
public enum DropReason {
    NONE("not dropped"),
    TRUNCATED("frame shorter than its headers"),
    BAD_VERSION("IP version is not 4"),
    BAD_HEADER_LENGTH("header length field out of range"),
    BAD_TOTAL_LENGTH("length field disagrees with the packet"),
    BAD_CHECKSUM("checksum does not verify"),
    FRAGMENTED("IP fragment (reassembly is not supported)"),
    UNSUPPORTED_PROTOCOL("protocol or EtherType not handled"),
    BAD_ARP("ARP packet is not Ethernet/IPv4"),
    TTL_EXCEEDED("time to live reached zero"),
    NO_ROUTE("no route to the destination"),
    NOT_FOR_US("addressed to another host"),
    LOOP("would be sent back out of its input port"),
    PORT_DOWN("output port is down"),
    QUEUE_FULL("output queue is full"),
    BAD_SOURCE_MAC("source MAC is a group address or zero"),
    UNKNOWN_PEER("VXLAN packet from an underlay address that is no known node"),
    BAD_VNI("VXLAN network identifier is not ours"),
    BAD_VXLAN("VXLAN header flags are wrong (the I flag must be set)"),
    NEIGHBOR_UNKNOWN("no MAC known for the next hop"),
    FRAG_NEEDED("too big for the path MTU with DF set (ICMP sent back)"),
    DEVICE_ERROR("the device refused the write"),
    NO_ENDPOINTS("the Service has no endpoints (rejected with ICMP port unreachable)"),
    NO_SERVICE("no Service on that address and port (a ClusterIP, a LoadBalancer IP or the Service range)"),
    SERVICE_PING("ICMP echo to an address in the Service range (ClusterIPs answer no ping)"),
    CONNTRACK_FULL("conntrack table full, with no unassured entry near the new flow to drop early"),
    SNAT_PORTS_EXHAUSTED("every SNAT port tried toward the Service's endpoints is held by an assured flow"),
    TUPLE_CLASH("the translated tuple already belongs to another tracked flow"),
    POLICY_DENIED("denied by network policy: the pod is isolated and no rule allows this connection"),
    POLICY_TABLE_FULL("the table of connections allowed by policy is full"),
    BAD_OFFLOAD("offload metadata does not fit the frame (it cannot be segmented or checksummed)"),
    FAULT("dropped by an injected fault (`vnet fault list` shows them)");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    /** A short phrase for counters and traces, such as "frame shorter than its headers". */
    public String description() {
        return description;
    }
}
