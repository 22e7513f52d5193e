package dev.vnet.overlay;

import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.linux.AnswerPickup;
import dev.vnet.core.linux.UdpSocket;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * The overlay's UDP sockets: one bound to the node's underlay address on port 4789 for arriving VXLAN,
 * served by a Netty event loop, and a small pool of sender sockets on other ports. A flow's hash picks the sender, so one flow
 * keeps one outer source port while different flows spread over the pool (the underlay's ECMP entropy).
 *
 * <p>The senders are raw descriptors ({@link UdpSocket}) so that a super-frame's segments, laid out as
 * datagrams back to back by the VTEP, leave with one {@code sendmsg} and {@code UDP_SEGMENT} (UDP GSO); where
 * the kernel refuses that, they leave one by one. Arriving datagrams are read in batches ({@code recvmmsg});
 * at the end of each batch the VTEP sends on the segments it joined.
 *
 * <p>Sockets belong to the network namespace of the thread that creates them, so {@link #open} takes a
 * "run this in the node's namespace" function; the Netty event loop can then serve them from anywhere.
 */
public final class UdpTransport implements UnderlaySender, AutoCloseable {
    /** How many sender sockets (distinct outer source ports) a node uses. */
    public static final int SENDERS = 8;
    /**
     * The largest VXLAN datagram read: room for a 9000-byte inner jumbo frame. Nodes send at most the
     * underlay MTU; anything longer is cut and then dropped as malformed.
     */
    public static final int MAX_DATAGRAM = 9216;
    /** How many datagrams one read may return without UDP_GRO. */
    private static final int BATCH = 16;
    /** A read with UDP_GRO: the largest UDP payload the kernel joins datagrams into. */
    private static final int GRO_READ = 65536;

    /** Runs socket creation inside the node's network namespace. */
    public interface InNamespace {
        <T> T call(Callable<T> work) throws IOException;
    }

    private final EventLoopGroup group;
    private final Channel receiver;
    private final UdpSocket[] senders;
    /** Each sending thread's buffer for one datagram (VXLAN header and inner frame), and a view of its header. */
    private final ThreadLocal<Outgoing> outgoing = ThreadLocal.withInitial(Outgoing::new);

    private static final class Outgoing {
        final ByteBuffer buf = ByteBuffer.allocateDirect(VxlanHeader.HEADER_LEN + 65536);
        final VxlanHeader header = new VxlanHeader();
    }
    private final int[] senderPorts;

    private UdpTransport(EventLoopGroup group, Channel receiver, UdpSocket[] senders) {
        this.group = group;
        this.receiver = receiver;
        this.senders = senders;
        this.senderPorts = new int[senders.length];
        for (int i = 0; i < senders.length; i++) {
            senderPorts[i] = senders[i].localPort();
        }
    }

    /**
     * Opens the sockets on {@code localIp}; datagrams to port 4789 go to {@code vtep.receive}.
     * {@code vtep} may be created after this returns: pass a holder if needed.
     */
    public static UdpTransport open(String nodeName, Ipv4Address localIp, InNamespace ns,
                                    java.util.function.Supplier<Vtep> vtep, LongSupplier clock) throws IOException {
        java.util.concurrent.ThreadFactory threads = r -> {
            Thread t = new Thread(r, "overlay-" + nodeName);
            t.setDaemon(true);
            return t;
        };
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
        try {
            InetSocketAddress listen = new InetSocketAddress(java.net.InetAddress.getByAddress(localIp.toBytes()),
                    VxlanHeader.UDP_PORT);
            Bootstrap rx = new Bootstrap().group(group)
                    .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .handler(new Inbound(vtep, clock));
            if (epoll) {
                // UDP_GRO: the kernel hands over a peer's segmented send (and datagrams it joined) as one
                // buffer of up to 64 KiB, which Netty cuts back into datagrams: one read for a batch.
                rx.option(EpollChannelOption.UDP_GRO, true)
                        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(GRO_READ));
            } else {
                rx.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536));
            }
            Channel receiver = ns.call(() -> rx.bind(listen).syncUninterruptibly().channel());
            if (epoll && !((EpollDatagramChannel) receiver).config().isUdpGro()) {
                // No UDP_GRO on this kernel: recvmmsg, one read filling a batch of datagrams instead.
                receiver.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM);
                receiver.config().setOption(ChannelOption.RCVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(MAX_DATAGRAM * BATCH));
            }
            // Senders are plain blocking sockets: the data path sends on them directly, nothing reads them.
            UdpSocket[] senders = new UdpSocket[SENDERS];
            for (int i = 0; i < SENDERS; i++) {
                senders[i] = ns.call(() -> UdpSocket.open(localIp.bits(), 0, 4 << 20));
            }
            return new UdpTransport(group, receiver, senders);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
            throw new IOException("cannot open the VXLAN socket on " + localIp + ":" + VxlanHeader.UDP_PORT
                    + ": " + e.getMessage(), e);
        }
    }

    /** The outer UDP source port a flow with this hash leaves from. */
    @Override
    public int sourcePortFor(int flowHash) {
        return senderPorts[Integer.remainderUnsigned(flowHash, senders.length)];
    }

    /**
     * Sends synchronously on the calling thread (a port reader, the TUN reader or the overlay's own loop):
     * handing each datagram to the event loop would cost a queue hop and a wake-up per packet.
     */
    @Override
    public boolean send(Peer peer, int vni, int flowHash, ByteBuffer innerFrame, int length) {
        UdpSocket socket = senders[Integer.remainderUnsigned(flowHash, senders.length)];
        Outgoing o = outgoing.get();
        ByteBuffer out = o.buf;
        if (length > out.capacity() - VxlanHeader.HEADER_LEN) {
            return false;
        }
        o.header.wrap(out, 0, VxlanHeader.HEADER_LEN + length).emit(vni);
        out.put(VxlanHeader.HEADER_LEN, innerFrame, 0, length);
        return socket.send(out, 0, VxlanHeader.HEADER_LEN + length, peer.underlayIp().bits(), VxlanHeader.UDP_PORT);
    }

    @Override
    public boolean sendsSegmented() {
        return senders[0].segmentation();
    }

    /** One {@code sendmsg} with {@code UDP_SEGMENT}; one send per datagram where the kernel refuses that. */
    @Override
    public boolean sendSegmented(Peer peer, int flowHash, ByteBuffer batch, int length, int datagramLength) {
        UdpSocket socket = senders[Integer.remainderUnsigned(flowHash, senders.length)];
        int ip = peer.underlayIp().bits();
        if (socket.segmentation()
                && socket.sendSegmented(batch, 0, length, datagramLength, ip, VxlanHeader.UDP_PORT)) {
            return true;
        }
        boolean all = true; // refused: UDP GSO is not there, or not for this batch
        for (int at = 0; at < length; at += datagramLength) {
            all &= socket.send(batch, at, Math.min(datagramLength, length - at), ip, VxlanHeader.UDP_PORT);
        }
        return all;
    }


    private static final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        private final java.util.function.Supplier<Vtep> vtep;
        private final LongSupplier clock;

        Inbound(java.util.function.Supplier<Vtep> vtep, LongSupplier clock) {
            this.vtep = vtep;
            this.clock = clock;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ByteBuf content = packet.content();
            byte[] src = packet.sender().getAddress().getAddress();
            int srcIp = ((src[0] & 0xff) << 24) | ((src[1] & 0xff) << 16) | ((src[2] & 0xff) << 8) | (src[3] & 0xff);
            ByteBuffer payload = content.nioBuffer(content.readerIndex(), content.readableBytes());
            vtep.get().receive(payload, payload.position(), content.readableBytes(), srcIp, clock.getAsLong());
        }

        /**
         * The end of a read batch: the segments the VTEP is joining go on now, and what the pods they went to
         * answered at once comes back on this thread ({@link AnswerPickup}).
         */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            vtep.get().flush(clock.getAsLong());
            AnswerPickup.collect();
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void close() {
        receiver.close().syncUninterruptibly();
        for (UdpSocket s : senders) {
            s.close();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
