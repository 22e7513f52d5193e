package dev.vnet.overlay;

import dev.vnet.core.addr.Ipv4Address;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * The overlay's UDP sockets, through Netty: one bound to the node's underlay address on port 4789 for
 * arriving VXLAN, and a small pool of senders on other ports. A flow's hash picks the sender, so one flow
 * keeps one outer source port while different flows spread over the pool (the underlay's ECMP entropy).
 *
 * <p>Sockets belong to the network namespace of the thread that creates them, so {@link #open} takes a
 * "run this in the node's namespace" function; the Netty event loop can then serve them from anywhere.
 */
public final class UdpTransport implements UnderlaySender, AutoCloseable {
    /** How many sender sockets (distinct outer source ports) a node uses. */
    public static final int SENDERS = 8;

    /** Runs socket creation inside the node's network namespace. */
    public interface InNamespace {
        <T> T call(Callable<T> work) throws IOException;
    }

    private final EventLoopGroup group;
    private final Channel receiver;
    private final Channel[] senders;
    private final int[] senderPorts;

    private UdpTransport(EventLoopGroup group, Channel receiver, Channel[] senders) {
        this.group = group;
        this.receiver = receiver;
        this.senders = senders;
        this.senderPorts = new int[senders.length];
        for (int i = 0; i < senders.length; i++) {
            senderPorts[i] = ((InetSocketAddress) senders[i].localAddress()).getPort();
        }
    }

    /**
     * Opens the sockets on {@code localIp}; datagrams to port 4789 go to {@code vtep.receive}.
     * {@code vtep} may be created after this returns: pass a holder if needed.
     */
    public static UdpTransport open(String nodeName, Ipv4Address localIp, InNamespace ns,
                                    java.util.function.Supplier<Vtep> vtep, LongSupplier clock) throws IOException {
        EventLoopGroup group = new NioEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "overlay-" + nodeName);
            t.setDaemon(true);
            return t;
        });
        try {
            InetSocketAddress listen = new InetSocketAddress(java.net.InetAddress.getByAddress(localIp.toBytes()),
                    VxlanHeader.UDP_PORT);
            Bootstrap rx = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .handler(new Inbound(vtep, clock));
            Channel receiver = ns.call(() -> rx.bind(listen).syncUninterruptibly().channel());
            Channel[] senders = new Channel[SENDERS];
            Bootstrap tx = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .option(ChannelOption.SO_SNDBUF, 1 << 20)
                    .handler(new IgnoreInbound());
            for (int i = 0; i < SENDERS; i++) {
                InetSocketAddress any = new InetSocketAddress(listen.getAddress(), 0);
                senders[i] = ns.call(() -> tx.bind(any).syncUninterruptibly().channel());
            }
            return new UdpTransport(group, receiver, senders);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
            throw new IOException("cannot open the VXLAN socket on " + localIp + ":" + VxlanHeader.UDP_PORT
                    + ": " + e.getMessage(), e);
        }
    }

    /** The outer UDP source port a flow with this hash leaves from. */
    public int sourcePortFor(int flowHash) {
        return senderPorts[Integer.remainderUnsigned(flowHash, senders.length)];
    }

    @Override
    public boolean send(Peer peer, int vni, int flowHash, ByteBuffer innerFrame, int length) {
        Channel ch = senders[Integer.remainderUnsigned(flowHash, senders.length)];
        if (!ch.isActive()) {
            return false;
        }
        ByteBuf out = ch.alloc().directBuffer(VxlanHeader.HEADER_LEN + length);
        out.writeInt(VxlanHeader.FLAG_I << 24);
        out.writeInt((vni & 0xffffff) << 8);
        out.writeBytes(innerFrame.duplicate().limit(length).position(0));
        ch.writeAndFlush(new DatagramPacket(out, peer.endpoint()), ch.voidPromise());
        return true;
    }

    /** Sender sockets get no VXLAN (peers send to 4789); anything else arriving on them is dropped. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class IgnoreInbound extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
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
    }

    @Override
    public void close() {
        receiver.close().syncUninterruptibly();
        for (Channel c : senders) {
            c.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
