package dev.vnet.core.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A UDP socket for sending only, held as a raw descriptor so that one {@code sendmsg} can carry a whole
 * batch of equal-sized datagrams with {@code UDP_SEGMENT} (UDP GSO, Linux 4.18+): the kernel cuts the buffer
 * into datagrams of the size given, the last possibly shorter, and a batch of 40 costs one system call
 * instead of 40. Without it, {@link #send} sends one datagram per call.
 *
 * <p>Like every socket it belongs to the network namespace of the thread that opens it. Sends block while the
 * socket's buffer is full. Thread-safe: each sending thread has its own {@code msghdr}, {@code iovec},
 * control message and address, built in a small native buffer the first time it sends; nothing is allocated
 * per datagram.
 */
public final class UdpSocket implements Closeable {
    /**
     * The most a segmented send may carry: a UDP datagram's largest payload (65,535 less the IPv4 and UDP
     * headers), which the kernel checks before it cuts.
     */
    public static final int MAX_SEGMENTED = 65535 - 20 - 8;
    /** The most datagrams the kernel cuts one send into (UDP_MAX_SEGMENTS). */
    public static final int MAX_SEGMENTS = 64;

    private static final int SOCKADDR_IN = 16;
    // struct msghdr on 64-bit Linux: name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48.
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSGHDR = 56;
    private static final int IOVEC = 16;
    /** struct cmsghdr (len 8, level 4, type 4) and a 16-bit segment size: CMSG_LEN 18, CMSG_SPACE 24. */
    private static final int CMSG_LEN = 18;
    private static final int CMSG_SPACE = 24;

    private final int fd;
    private final int localPort;
    private volatile boolean segmentation = true;
    private volatile boolean segmentedOnce;

    private UdpSocket(int fd, int localPort) {
        this.fd = fd;
        this.localPort = localPort;
    }

    /**
     * Opens a UDP socket bound to {@code localIp} (IPv4, as an int) and {@code port} (0: any), in the calling
     * thread's network namespace, with a send buffer of {@code sendBuffer} bytes.
     */
    public static UdpSocket open(int localIp, int port, int sendBuffer) throws IOException {
        int fd = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | 0x80000 /* SOCK_CLOEXEC */, 0);
        if (fd < 0) {
            throw new IOException("cannot open a UDP socket: " + LibC.lastError());
        }
        try {
            LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, new int[] {sendBuffer}, 4);
            byte[] addr = new byte[SOCKADDR_IN];
            sockaddr(addr, localIp, port);
            if (LibC.bind(fd, addr, SOCKADDR_IN) < 0) {
                throw new IOException("cannot bind a UDP socket to " + dotted(localIp) + ":" + port + ": "
                        + LibC.lastError());
            }
            int[] len = {SOCKADDR_IN};
            if (LibC.getsockname(fd, addr, len) < 0) {
                throw new IOException("cannot read the UDP socket's address: " + LibC.lastError());
            }
            return new UdpSocket(fd, (addr[2] & 0xFF) << 8 | (addr[3] & 0xFF));
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** The port the socket is bound to. */
    public int localPort() {
        return localPort;
    }

    /** False once the kernel refused a segmented send (no UDP GSO here): {@link #sendSegmented} is then not to be used. */
    public boolean segmentation() {
        return segmentation;
    }

    /** Sends {@code [offset, offset + length)} of the direct buffer {@code buf} as one datagram. */
    public boolean send(ByteBuffer buf, int offset, int length, int dstIp, int dstPort) {
        Scratch s = SCRATCH.get();
        s.destination(dstIp, dstPort);
        while (true) {
            long n = LibC.sendto(fd, s.address(buf) + offset, length, 0, s.base + s.addrAt, SOCKADDR_IN);
            if (n >= 0) {
                return n == length;
            }
            if (Native.getLastError() != LibC.EINTR) {
                return false;
            }
        }
    }

    /**
     * Sends {@code [offset, offset + length)} of the direct buffer {@code buf} as datagrams of
     * {@code segmentSize} bytes each, the last possibly shorter, with one system call. At most
     * {@link #MAX_SEGMENTED} bytes and {@link #MAX_SEGMENTS} datagrams. Returns false if the kernel refused:
     * the caller then sends them one by one; if it refused UDP GSO itself, {@link #segmentation} turns false.
     */
    public boolean sendSegmented(ByteBuffer buf, int offset, int length, int segmentSize, int dstIp, int dstPort) {
        Scratch s = SCRATCH.get();
        s.destination(dstIp, dstPort);
        ByteBuffer n = s.native_;
        n.putLong(s.iovAt, s.address(buf) + offset);
        n.putLong(s.iovAt + 8, length);
        n.putShort(s.cmsgAt + 16, (short) segmentSize);
        while (true) {
            long sent = LibC.sendmsg(fd, s.base + s.msgAt, 0);
            if (sent >= 0) {
                segmentedOnce = true;
                return sent == length;
            }
            int errno = Native.getLastError();
            if (errno == LibC.EINTR) {
                continue;
            }
            // EIO: the device cannot checksum for UDP GSO; ENOPROTOOPT or EINVAL before any segmented send
            // worked: a kernel without UDP_SEGMENT. EINVAL later is about this batch (too big for the path).
            if (errno == LibC.EIO || errno == LibC.ENOPROTOOPT || (errno == LibC.EINVAL && !segmentedOnce)) {
                segmentation = false;
            }
            return false;
        }
    }

    @Override
    public void close() {
        LibC.close(fd);
    }

    private static void sockaddr(byte[] a, int ip, int port) {
        // sa_family is native-endian (x86-64, arm64: little); port and address are network order.
        a[0] = (byte) LibC.AF_INET;
        a[1] = 0;
        a[2] = (byte) (port >>> 8);
        a[3] = (byte) port;
        a[4] = (byte) (ip >>> 24);
        a[5] = (byte) (ip >>> 16);
        a[6] = (byte) (ip >>> 8);
        a[7] = (byte) ip;
    }

    private static String dotted(int ip) {
        return (ip >>> 24) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip & 0xFF);
    }

    /** A sending thread's native structures, and the last direct buffer it sent from with its address. */
    private static final class Scratch {
        final ByteBuffer native_ = ByteBuffer.allocateDirect(256).order(ByteOrder.nativeOrder());
        final long base = Pointer.nativeValue(Native.getDirectBufferPointer(native_));
        final int msgAt = 0;
        final int iovAt = MSGHDR;
        final int cmsgAt = MSGHDR + IOVEC;
        final int addrAt = MSGHDR + IOVEC + CMSG_SPACE;
        private int lastIp = -1;
        private int lastPort = -1;
        private ByteBuffer lastBuf;
        private long lastAddress;

        Scratch() {
            ByteBuffer n = native_;
            n.putLong(msgAt + MSG_NAME, base + addrAt);
            n.putInt(msgAt + MSG_NAMELEN, SOCKADDR_IN);
            n.putLong(msgAt + MSG_IOV, base + iovAt);
            n.putLong(msgAt + MSG_IOVLEN, 1);
            n.putLong(msgAt + MSG_CONTROL, base + cmsgAt);
            n.putLong(msgAt + MSG_CONTROLLEN, CMSG_SPACE);
            n.putLong(cmsgAt, CMSG_LEN);
            n.putInt(cmsgAt + 8, LibC.SOL_UDP);
            n.putInt(cmsgAt + 12, LibC.UDP_SEGMENT);
            n.put(addrAt, (byte) LibC.AF_INET);
        }

        void destination(int ip, int port) {
            if (ip == lastIp && port == lastPort) {
                return;
            }
            native_.put(addrAt + 2, (byte) (port >>> 8));
            native_.put(addrAt + 3, (byte) port);
            native_.put(addrAt + 4, (byte) (ip >>> 24));
            native_.put(addrAt + 5, (byte) (ip >>> 16));
            native_.put(addrAt + 6, (byte) (ip >>> 8));
            native_.put(addrAt + 7, (byte) ip);
            lastIp = ip;
            lastPort = port;
        }

        long address(ByteBuffer buf) {
            if (buf != lastBuf) {
                if (!buf.isDirect()) {
                    throw new IllegalArgumentException("UDP sends need a direct buffer");
                }
                lastAddress = Pointer.nativeValue(Native.getDirectBufferPointer(buf));
                lastBuf = buf;
            }
            return lastAddress;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
