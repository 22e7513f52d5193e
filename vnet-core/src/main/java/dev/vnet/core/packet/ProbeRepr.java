package dev.vnet.core.packet;

import dev.vnet.core.trace.Probe;
import java.nio.ByteBuffer;

/**
 * The frame {@code vnet trace} sends from a pod's port: a TCP SYN, a UDP datagram or an ICMP echo request,
 * each carrying what {@link Probe} recognises it by at every stage, whatever NAT rewrites: the IPv4
 * identification, and the TCP sequence number, the UDP payload {@link Probe#UDP_MARKER}, or the ICMP echo
 * identifier (with the marker as its data). IPv4 with DF set and TTL 64, as a pod's kernel sends.
 *
 * @param marker the TCP sequence number, or the ICMP echo identifier (low 16 bits); unused for UDP
 * @param sourcePort for TCP and UDP; unused for ICMP
 * @param destinationPort for TCP and UDP; unused for ICMP
 */
public record ProbeRepr(long sourceMac, long destinationMac, int source, int destination, int protocol,
                        int identification, int sourcePort, int destinationPort, long marker) {

    /** The window a Linux client advertises in its SYN at MTU 1500 (and vnet's probe with it). */
    public static final int SYN_WINDOW = 64240;

    public ProbeRepr {
        if (protocol != Ipv4Packet.PROTO_TCP && protocol != Ipv4Packet.PROTO_UDP && protocol != Ipv4Packet.PROTO_ICMP) {
            throw new IllegalArgumentException("a probe is TCP, UDP or ICMP, not " + IpProtocol.nameOf(protocol));
        }
    }

    /** The frame's length: Ethernet, IPv4, and the transport header with its marker. */
    public int bufferLength() {
        return EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN + transportLength();
    }

    private int transportLength() {
        return switch (protocol) {
            case Ipv4Packet.PROTO_TCP -> TcpPacket.HEADER_LEN;
            case Ipv4Packet.PROTO_UDP -> UdpPacket.HEADER_LEN + Probe.UDP_MARKER.length;
            default -> IcmpPacket.HEADER_LEN + Probe.UDP_MARKER.length;
        };
    }

    /** Writes the whole frame from index 0 of {@code frame} (at least {@link #bufferLength()} bytes); returns its length. */
    public int emit(ByteBuffer frame) {
        int l4Length = transportLength();
        int ipAt = EthernetFrame.HEADER_LEN;
        int l4 = ipAt + Ipv4Packet.HEADER_LEN;
        new EthernetRepr(destinationMac, sourceMac, EthernetFrame.TYPE_IPV4)
                .emit(EthernetFrame.of(frame, 0, bufferLength()));
        new Ipv4Repr(source, destination, protocol, Ipv4Repr.DEFAULT_TTL, identification, true, 0, l4Length)
                .emit(Ipv4Packet.of(frame, ipAt, Ipv4Packet.HEADER_LEN + l4Length));
        switch (protocol) {
            case Ipv4Packet.PROTO_TCP -> new TcpRepr(sourcePort, destinationPort, marker, 0, TcpPacket.SYN, SYN_WINDOW)
                    .emit(TcpPacket.of(frame, l4, l4Length), source, destination);
            case Ipv4Packet.PROTO_UDP -> {
                frame.put(l4 + UdpPacket.HEADER_LEN, Probe.UDP_MARKER);
                new UdpRepr(sourcePort, destinationPort, Probe.UDP_MARKER.length)
                        .emit(UdpPacket.of(frame, l4, l4Length), source, destination);
            }
            default -> {
                frame.put(l4 + IcmpPacket.HEADER_LEN, Probe.UDP_MARKER);
                IcmpRepr.echoRequest((int) marker, 1).emit(IcmpPacket.of(frame, l4, l4Length));
            }
        }
        return bufferLength();
    }
}
