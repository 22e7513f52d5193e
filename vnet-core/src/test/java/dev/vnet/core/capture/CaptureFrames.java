package dev.vnet.core.capture;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.packet.ArpPacket;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.IcmpPacket;
import dev.vnet.core.packet.Ipv4Packet;
import dev.vnet.core.packet.TcpPacket;
import dev.vnet.core.packet.UdpPacket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Frames of a small lab, built with the packet views and their fillChecksum: pod-a (10.244.1.2) on node-1,
 * its gateway 10.244.1.1, pod-c (10.244.2.2) on node-2, and the underlay between the nodes.
 */
final class CaptureFrames {

    static final int POD_A = ip("10.244.1.2");
    static final int GATEWAY = ip("10.244.1.1");
    static final int POD_C = ip("10.244.2.2");
    static final int CLUSTER_DNS = ip("10.96.0.10");
    static final int NODE_1 = ip("192.168.56.11");
    static final int NODE_2 = ip("192.168.56.12");

    static final long POD_A_MAC = MacAddress.forPodIp(new Ipv4Address(POD_A)).bits();
    static final long GATEWAY_MAC = MacAddress.parse("0a:58:0a:f4:01:01").bits();
    static final long POD_C_MAC = MacAddress.forPodIp(new Ipv4Address(POD_C)).bits();
    static final long NODE_1_MAC = MacAddress.parse("02:00:c0:a8:38:0b").bits();
    static final long NODE_2_MAC = MacAddress.parse("02:00:c0:a8:38:0c").bits();
    static final long BROADCAST = MacAddress.BROADCAST.bits();

    static final int VNI = 1;

    private CaptureFrames() {
    }

    /**
     * Every kind of frame the filter tests use, by name, in Ethernet; the last four are cut short (and
     * "empty" has no bytes at all), as a capture with a small snap length would hold them.
     */
    static Map<String, byte[]> lab() {
        Map<String, byte[]> frames = new LinkedHashMap<>();
        frames.put("arp-request", arpRequest()); // 10.244.1.2 asks for 10.244.1.1
        frames.put("arp-reply", arpReply()); // 10.244.1.1 answers 10.244.1.2
        frames.put("icmp-gw", icmpEcho(POD_A, GATEWAY)); // 10.244.1.2 > 10.244.1.1
        frames.put("icmp-c", icmpEcho(POD_A, POD_C)); // 10.244.1.2 > 10.244.2.2
        frames.put("tcp-syn", tcpSyn(POD_A, 40000, ip("10.96.0.2"), 80)); // .40000 > 10.96.0.2.80
        frames.put("tcp-options", withIpOptions(tcpSyn(POD_A, 40001, ip("10.96.0.3"), 8080))); // IHL 6
        frames.put("dns", dnsQuery()); // 10.244.1.2.45000 > 10.96.0.10.53
        frames.put("vxlan", vxlanIcmp()); // 192.168.56.11.51234 > 192.168.56.12.4789, inner ICMP
        byte[][] fragments = udpFragments(); // 10.244.1.2.53 > 10.244.2.2.5353
        frames.put("frag1", fragments[0]);
        frames.put("frag2", fragments[1]); // its data reads like ports 53 > 53
        frames.put("ipv6-udp", ipv6Udp()); // fd00::1.5353 > fd00::2.53
        frames.put("ipv6-frag-tcp", ipv6FragmentedTcp()); // TCP 80 > 80 behind a Fragment header
        frames.put("trunc-ip", truncated(icmpEcho(POD_A, GATEWAY), 20)); // EtherType, 6 bytes of IPv4
        frames.put("trunc-ports", truncated(dnsQuery(), 36)); // source port 45000 only
        frames.put("trunc-eth", truncated(icmpEcho(POD_A, GATEWAY), 12)); // both MACs, no EtherType
        frames.put("empty", new byte[0]);
        return frames;
    }

    static int ip(String text) {
        return Ipv4Address.parse(text).bits();
    }

    /** pod-a asks who has its gateway's address: "ARP, Request who-has 10.244.1.1 tell 10.244.1.2". */
    static byte[] arpRequest() {
        return arp(ArpPacket.OP_REQUEST, POD_A_MAC, POD_A, 0, GATEWAY, BROADCAST);
    }

    /** The gateway answers pod-a. */
    static byte[] arpReply() {
        return arp(ArpPacket.OP_REPLY, GATEWAY_MAC, GATEWAY, POD_A_MAC, POD_A, POD_A_MAC);
    }

    static byte[] arp(int op, long senderMac, int senderIp, long targetMac, int targetIp, long ethDst) {
        byte[] arp = new byte[ArpPacket.HEADER_LEN];
        new ArpPacket.ArpRepr(op, senderMac, senderIp, targetMac, targetIp)
                .emit(ArpPacket.of(ByteBuffer.wrap(arp), 0, arp.length));
        return ethernet(ethDst, senderMac, EthernetFrame.TYPE_ARP, arp);
    }

    /** An ICMP echo request from {@code src} to {@code dst}, in Ethernet from pod-a to its gateway. */
    static byte[] icmpEcho(int src, int dst) {
        return ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4, ipv4(src, dst, Ipv4Packet.PROTO_ICMP,
                icmp(IcmpPacket.TYPE_ECHO_REQUEST, 0x1234, 1)));
    }

    static byte[] icmp(int type, int id, int seq) {
        byte[] icmp = new byte[IcmpPacket.HEADER_LEN + 8];
        IcmpPacket view = IcmpPacket.of(ByteBuffer.wrap(icmp), 0, icmp.length);
        view.setType(type);
        view.setIdentifier(id);
        view.setSequenceNumber(seq);
        for (int i = 0; i < 8; i++) {
            icmp[IcmpPacket.HEADER_LEN + i] = (byte) ('a' + i);
        }
        view.fillChecksum();
        return icmp;
    }

    /** A TCP SYN, in Ethernet from pod-a to its gateway. */
    static byte[] tcpSyn(int src, int sport, int dst, int dport) {
        byte[] tcp = new byte[TcpPacket.HEADER_LEN];
        TcpPacket view = TcpPacket.of(ByteBuffer.wrap(tcp), 0, tcp.length);
        view.setSourcePort(sport);
        view.setDestinationPort(dport);
        view.setSequenceNumber(1000);
        view.setHeaderLength(TcpPacket.HEADER_LEN);
        view.setFlags(TcpPacket.SYN);
        view.setWindow(64240);
        view.fillChecksum(src, dst);
        return ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4, ipv4(src, dst, Ipv4Packet.PROTO_TCP, tcp));
    }

    /** A UDP datagram with {@code data}, in Ethernet from pod-a to its gateway. */
    static byte[] udpFrame(int src, int sport, int dst, int dport, byte[] data) {
        return ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4,
                ipv4(src, dst, Ipv4Packet.PROTO_UDP, udp(src, sport, dst, dport, data)));
    }

    static byte[] udp(int src, int sport, int dst, int dport, byte[] data) {
        byte[] udp = new byte[UdpPacket.HEADER_LEN + data.length];
        UdpPacket view = UdpPacket.of(ByteBuffer.wrap(udp), 0, udp.length);
        view.setSourcePort(sport);
        view.setDestinationPort(dport);
        view.setUdpLength(udp.length);
        System.arraycopy(data, 0, udp, UdpPacket.HEADER_LEN, data.length);
        view.fillChecksum(src, dst);
        return udp;
    }

    /** A DNS query for "web." from pod-a to the cluster DNS. */
    static byte[] dnsQuery() {
        byte[] query = {
            0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x03, 'w', 'e', 'b', 0x00, 0x00, 0x01, 0x00, 0x01,
        };
        return udpFrame(POD_A, 45000, CLUSTER_DNS, 53, query);
    }

    /**
     * pod-a's echo request to pod-c as node-1 sends it to node-2: the inner frame (gateway MAC to pod-c's) in
     * VXLAN (RFC 7348) in UDP to port 4789 on the underlay.
     */
    static byte[] vxlanIcmp() {
        byte[] inner = ethernet(POD_C_MAC, GATEWAY_MAC, EthernetFrame.TYPE_IPV4,
                ipv4(POD_A, POD_C, Ipv4Packet.PROTO_ICMP, icmp(IcmpPacket.TYPE_ECHO_REQUEST, 0x1234, 1)));
        byte[] vxlan = new byte[8 + inner.length];
        vxlan[0] = 0x08; // flags: I, the VNI is valid
        vxlan[4] = (byte) (VNI >>> 16);
        vxlan[5] = (byte) (VNI >>> 8);
        vxlan[6] = (byte) VNI;
        System.arraycopy(inner, 0, vxlan, 8, inner.length);
        return ethernet(NODE_2_MAC, NODE_1_MAC, EthernetFrame.TYPE_IPV4,
                ipv4(NODE_1, NODE_2, Ipv4Packet.PROTO_UDP, udp(NODE_1, 51234, NODE_2, 4789, vxlan)));
    }

    /**
     * The two fragments of a 40-byte UDP datagram from pod-a port 53 to pod-c port 5353: the first carries
     * the UDP header, the second (fragment offset 3, 24 bytes in) data whose first bytes read like ports 53
     * and 53, which a filter must not take for ports.
     */
    static byte[][] udpFragments() {
        byte[] data = new byte[32];
        data[16] = 0x00;
        data[17] = 53;
        data[18] = 0x00;
        data[19] = 53;
        byte[] udp = udp(POD_A, 53, POD_C, 5353, data);
        byte[] first = ipv4(POD_A, POD_C, Ipv4Packet.PROTO_UDP, Arrays.copyOfRange(udp, 0, 24));
        byte[] second = ipv4(POD_A, POD_C, Ipv4Packet.PROTO_UDP, Arrays.copyOfRange(udp, 24, udp.length));
        fragment(first, true, 0);
        fragment(second, false, 3);
        return new byte[][] {
            ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4, first),
            ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV4, second),
        };
    }

    private static void fragment(byte[] packet, boolean moreFragments, int offsetUnits) {
        Ipv4Packet view = Ipv4Packet.of(ByteBuffer.wrap(packet), 0, packet.length);
        view.setIdentification(0x4242);
        view.setFlags(false, moreFragments);
        view.setFragmentOffset(offsetUnits);
        view.fillChecksum();
    }

    /** An IPv6 UDP datagram (fd00::1 port 5353 to fd00::2 port 53); tcpdump's udp and port see IPv6 too. */
    static byte[] ipv6Udp() {
        return ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV6, ipv6(17, new byte[] {
            0x14, (byte) 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 1, 2, 3, 4, // ports, length 12, no checksum
        }));
    }

    /** An IPv6 TCP segment behind a Fragment header, which tcpdump's tcp looks through. */
    static byte[] ipv6FragmentedTcp() {
        byte[] fragmentHeader = {6, 0, 0x00, 0x01, 0, 0, 0x12, 0x34}; // next header TCP, offset 0, M set
        byte[] payload = new byte[8 + 20];
        System.arraycopy(fragmentHeader, 0, payload, 0, 8);
        payload[8 + 1] = 80; // source port 80
        payload[8 + 3] = 80; // destination port 80
        payload[8 + 12] = 0x50;
        return ethernet(GATEWAY_MAC, POD_A_MAC, EthernetFrame.TYPE_IPV6, ipv6(44, payload));
    }

    private static byte[] ipv6(int nextHeader, byte[] payload) {
        byte[] packet = new byte[40 + payload.length];
        packet[0] = 0x60;
        packet[4] = (byte) (payload.length >>> 8);
        packet[5] = (byte) payload.length;
        packet[6] = (byte) nextHeader;
        packet[7] = 64;
        packet[8] = (byte) 0xfd;
        packet[23] = 1;
        packet[24] = (byte) 0xfd;
        packet[39] = 2;
        System.arraycopy(payload, 0, packet, 40, payload.length);
        return packet;
    }

    /** An IPv4 packet with a 20-byte header, TTL 64, DF set and its checksum filled in. */
    static byte[] ipv4(int src, int dst, int protocol, byte[] payload) {
        byte[] packet = new byte[Ipv4Packet.HEADER_LEN + payload.length];
        Ipv4Packet view = Ipv4Packet.of(ByteBuffer.wrap(packet), 0, packet.length);
        view.setVersionAndHeaderLength(Ipv4Packet.HEADER_LEN);
        view.setTotalLength(packet.length);
        view.setIdentification(0x0101);
        view.setFlags(true, false);
        view.setTtl(64);
        view.setProtocol(protocol);
        view.setSource(src);
        view.setDestination(dst);
        System.arraycopy(payload, 0, packet, Ipv4Packet.HEADER_LEN, payload.length);
        view.fillChecksum();
        return packet;
    }

    static byte[] ethernet(long dst, long src, int type, byte[] payload) {
        byte[] frame = new byte[EthernetFrame.HEADER_LEN + payload.length];
        EthernetFrame view = EthernetFrame.of(ByteBuffer.wrap(frame), 0, frame.length);
        view.setDestination(dst);
        view.setSource(src);
        view.setEtherType(type);
        System.arraycopy(payload, 0, frame, EthernetFrame.HEADER_LEN, payload.length);
        return frame;
    }

    /**
     * The same IPv4 frame with four bytes of IP options (NOPs) after the 20-byte header, so IHL is 6 and the
     * transport header starts 4 bytes later. The TCP or UDP checksum still holds: the options are not in it.
     */
    static byte[] withIpOptions(byte[] frame) {
        int ip = EthernetFrame.HEADER_LEN;
        byte[] out = new byte[frame.length + 4];
        System.arraycopy(frame, 0, out, 0, ip + Ipv4Packet.HEADER_LEN);
        Arrays.fill(out, ip + Ipv4Packet.HEADER_LEN, ip + Ipv4Packet.HEADER_LEN + 4, (byte) 1);
        System.arraycopy(frame, ip + Ipv4Packet.HEADER_LEN, out, ip + Ipv4Packet.HEADER_LEN + 4,
                frame.length - ip - Ipv4Packet.HEADER_LEN);
        Ipv4Packet view = Ipv4Packet.of(ByteBuffer.wrap(out), ip, out.length - ip);
        view.setVersionAndHeaderLength(Ipv4Packet.HEADER_LEN + 4);
        view.setTotalLength(view.totalLength() + 4);
        view.fillChecksum();
        return out;
    }

    /** The IP packet inside an Ethernet frame, as a TUN device would carry it (LINKTYPE_RAW). */
    static byte[] raw(byte[] frame) {
        return Arrays.copyOfRange(frame, EthernetFrame.HEADER_LEN, frame.length);
    }

    /** The first {@code length} bytes, as a capture cut short would hold them. */
    static byte[] truncated(byte[] frame, int length) {
        return Arrays.copyOf(frame, length);
    }
}
