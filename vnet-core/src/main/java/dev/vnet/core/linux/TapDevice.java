package dev.vnet.core.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.Closeable;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.VirtioNetHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A TAP (Ethernet frames) or TUN (IP packets) device opened through {@code /dev/net/tun}, held by this process.
 *
 * <p>The device is created in the network namespace of the calling thread, so a pod's {@code eth0} is made
 * from a thread that has entered the pod's namespace ({@link NetNs#call}). It lives as long as this file
 * descriptor: closing it (or this process dying) removes the device. The descriptor is non-blocking;
 * {@link #read} waits in {@code poll} only when the queue is empty, so a busy port costs one system call
 * per frame and an idle reader still notices {@link #close} within one poll interval.
 *
 * <h2>Offloads</h2>
 * Opened with offloads ({@link #create(String, Kind, boolean)}), the device has {@code IFF_VNET_HDR}: every
 * frame read or written is preceded by a {@link VirtioNetHeader}, and {@code TUNSETOFFLOAD} lets the kernel
 * hand over TCP super-frames of up to 64 KiB with partial checksums (CSUM, TSO4, TSO6, TSO_ECN, and USO4/6
 * where the kernel has them) instead of one wire-sized frame per system call, and take them back the same way.
 * Reads and writes then use {@code readv}/{@code writev} so that the frame stays at the index the caller
 * chose and the 10-byte struct lives in a small buffer of the device's (reads) or of the writing thread's.
 */
public final class TapDevice implements Closeable {
    /** {@code TUNSETIFF = _IOW('T', 202, int)} from linux/if_tun.h. */
    private static final long TUNSETIFF = 0x400454caL;
    /** {@code TUNSETPERSIST = _IOW('T', 203, int)}: the device outlives its descriptor (and this process). */
    private static final long TUNSETPERSIST = 0x400454cbL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    /** {@code TUNSETOFFLOAD = _IOW('T', 208, unsigned int)}: the offloads this reader and writer handle. */
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    /** {@code TUNSETVNETHDRSZ = _IOW('T', 216, int)}: the size of the header in front of each frame. */
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** TUN_F_* bits of linux/if_tun.h. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    public static final int TUN_F_USO4 = 0x20;
    public static final int TUN_F_USO6 = 0x40;
    private static final int TCP_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
    private static final int IOV_LEN = 16;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int POLL_MILLIS = 200;

    /**
     * The buffer size a reader needs: a 64 KiB IP packet (an offloaded super-frame's largest) with its Ethernet
     * header, rounded up.
     */
    public static final int MAX_FRAME = 65536 + 64;

    public enum Kind { TAP, TUN }

    private final String name;
    private final Kind kind;
    private volatile int fd;
    /** poll(2)'s argument for the reader: one device has one reading thread. */
    private final int[] pollfd = new int[2];
    /** The TUN_F_* offloads the kernel accepted; 0 without IFF_VNET_HDR. */
    private final int offloads;
    private final boolean vnetHeader;
    /** The bytes in front of the IP header in a frame of this device: 14 on a TAP, 0 on a TUN. */
    private final int linkHeader;
    /** The reader's header buffer and iovec pair (one reading thread per device), and the last header read. */
    private final ByteBuffer readHeader;
    private final long readHeaderAddress;
    private final ByteBuffer readIov;
    private final long readIovAddress;
    private long lastOffload = VirtioNetHeader.NONE;

    private TapDevice(String name, Kind kind, int fd, boolean vnetHeader, int offloads) {
        this.name = name;
        this.kind = kind;
        this.fd = fd;
        this.vnetHeader = vnetHeader;
        this.offloads = offloads;
        this.linkHeader = kind == Kind.TAP ? EthernetFrame.HEADER_LEN : 0;
        if (vnetHeader) {
            readHeader = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH);
            readHeaderAddress = nativeAddress(readHeader);
            readIov = ByteBuffer.allocateDirect(2 * IOV_LEN).order(ByteOrder.nativeOrder());
            readIovAddress = nativeAddress(readIov);
            readIov.putLong(0, readHeaderAddress);
            readIov.putLong(8, VirtioNetHeader.LENGTH);
        } else {
            readHeader = null;
            readHeaderAddress = 0;
            readIov = null;
            readIovAddress = 0;
        }
    }

    /**
     * Creates the device {@code name} in the calling thread's network namespace, or attaches to it if a
     * persistent device of that name and kind is already there (the kernel's TUNSETIFF does both). No offloads:
     * one wire-sized frame per read and write, with complete checksums.
     */
    public static TapDevice create(String name, Kind kind) throws IOException {
        return create(name, kind, false);
    }

    /**
     * Like {@link #create(String, Kind)}; with {@code offloads}, the device carries a {@link VirtioNetHeader}
     * before each frame and takes TCP (and, where the kernel has it, UDP) segmentation and checksum offload, so
     * reads may return super-frames of up to 64 KiB with partial checksums. A kernel that refuses USO still
     * gets the TCP offloads; one that refuses those too leaves the device with the header and no offloads.
     */
    public static TapDevice create(String name, Kind kind, boolean offloads) throws IOException {
        if (name.isEmpty() || name.length() >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name \"" + name + "\" must be 1 to 15 characters");
        }
        int fd = LibC.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open /dev/net/tun: " + LibC.lastError()
                    + " (load the tun module with `modprobe tun`, and run as root)");
        }
        byte[] ifr = new byte[IFREQ_SIZE];
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(nameBytes, 0, ifr, 0, nameBytes.length);
        short flags = (short) ((kind == Kind.TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0));
        // ifr_flags is a native-endian short right after the 16-byte name; x86 and arm64 are little-endian.
        ifr[IFNAMSIZ] = (byte) flags;
        ifr[IFNAMSIZ + 1] = (byte) (flags >> 8);
        if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
            String why = LibC.lastError();
            LibC.close(fd);
            throw new IOException("cannot create " + kind + " device " + name + ": " + why);
        }
        if (!offloads) {
            return new TapDevice(name, kind, fd, false, 0);
        }
        byte[] size = {VirtioNetHeader.LENGTH, 0, 0, 0}; // a native-endian int, passed by pointer
        if (LibC.ioctl(fd, TUNSETVNETHDRSZ, size) < 0) {
            String why = LibC.lastError();
            LibC.close(fd);
            throw new IOException("cannot set the virtio-net header size of " + name + ": " + why);
        }
        int accepted = 0;
        for (int wanted : new int[] {TCP_OFFLOADS | TUN_F_USO4 | TUN_F_USO6, TCP_OFFLOADS}) {
            if (LibC.ioctl(fd, TUNSETOFFLOAD, (long) wanted) == 0) {
                accepted = wanted;
                break;
            }
        }
        return new TapDevice(name, kind, fd, true, accepted);
    }

    /**
     * Whether pods' TAPs and nodes' TUNs are opened with offloads: yes, unless the environment variable
     * {@code VNET_OFFLOADS} is {@code off} (to compare, or to rule offloads out when chasing a problem).
     */
    public static boolean offloadsWanted() {
        String v = System.getenv("VNET_OFFLOADS");
        return v == null || !(v.equalsIgnoreCase("off") || v.equals("0") || v.equalsIgnoreCase("false"));
    }

    public String name() {
        return name;
    }

    /**
     * Makes the device persistent (it stays, with its addresses and routes, when the descriptor closes or this
     * process dies: a restarted node re-attaches its pods' TAPs), or not (it goes with the descriptor).
     */
    public void setPersistent(boolean persistent) throws IOException {
        if (LibC.ioctl(fd, TUNSETPERSIST, persistent ? 1L : 0L) < 0) {
            throw new IOException("cannot make " + name + (persistent ? " " : " non-") + "persistent: "
                    + LibC.lastError());
        }
    }

    public Kind kind() {
        return kind;
    }

    public boolean isOpen() {
        return fd >= 0;
    }

    /** The TUN_F_* offloads the kernel accepted for this device (0: one wire-sized frame at a time). */
    public int offloads() {
        return offloads;
    }

    /** True if the device hands over and takes super-frames and partial checksums (TSO and CSUM). */
    public boolean takesOffloads() {
        return (offloads & (TUN_F_CSUM | TUN_F_TSO4)) == (TUN_F_CSUM | TUN_F_TSO4);
    }

    /**
     * The offload metadata of the frame the last {@link #read} returned ({@link VirtioNetHeader} packed form,
     * {@code csum_start} from the IP header); {@link VirtioNetHeader#NONE} without offloads. Reader thread only.
     */
    public long lastOffload() {
        return lastOffload;
    }

    /**
     * Reads one frame into {@code buf} (a direct buffer of at least {@link #MAX_FRAME} bytes) at index 0,
     * waiting for one if none is queued. Returns its length, or -1 once the device is closed.
     * The buffer's position and limit are not touched.
     */
    public int read(ByteBuffer buf) throws IOException {
        return read(buf, 0);
    }

    /** Like {@link #read(ByteBuffer)}, placing the frame at {@code offset} (room for a header in front). */
    public int read(ByteBuffer buf, int offset) throws IOException {
        while (true) {
            int n = readNow(buf, offset);
            if (n != 0) {
                return n;
            }
            awaitReadable();
        }
    }

    /**
     * Reads one frame if one is queued, without waiting: its length, 0 if none is queued, -1 once the device is
     * closed. Like {@link #read(ByteBuffer, int)} otherwise. Reads must not overlap: the header buffer and
     * {@link #lastOffload} are the reader's (a caller with several reading threads serializes them).
     */
    public int readNow(ByteBuffer buf, int offset) throws IOException {
        long address = addressOf(buf) + offset;
        int capacity = buf.capacity() - offset;
        if (vnetHeader) {
            readIov.putLong(IOV_LEN, address);
            readIov.putLong(IOV_LEN + 8, capacity);
        }
        while (true) {
            int f = fd;
            if (f < 0) {
                return -1;
            }
            long n = vnetHeader ? LibC.readv(f, readIovAddress, 2) : LibC.read(f, address, capacity);
            if (n >= 0) {
                if (!vnetHeader) {
                    return (int) n;
                }
                if (n < VirtioNetHeader.LENGTH) {
                    continue; // cannot happen with the header size set; skip rather than misread
                }
                lastOffload = VirtioNetHeader.read(readHeader, 0, linkHeader);
                return (int) n - VirtioNetHeader.LENGTH;
            }
            int errno = Native.getLastError();
            if (errno == LibC.EINTR) {
                continue;
            }
            if (errno == LibC.EAGAIN) {
                return 0;
            }
            if (fd < 0) {
                return -1;
            }
            throw new IOException("read from " + name + " failed: " + LibC.strerror(errno));
        }
    }

    /**
     * Waits in {@code poll} until a frame is queued or one poll interval has passed (so that a reader notices
     * {@link #close}). One waiting thread per device.
     */
    public void awaitReadable() {
        int f = fd;
        if (f < 0) {
            return;
        }
        int[] pollfd = this.pollfd;
        pollfd[0] = f;
        pollfd[1] = LibC.POLLIN;
        LibC.poll(pollfd, 1, POLL_MILLIS);
    }

    /**
     * Writes {@code length} bytes of {@code buf} from index 0 as one frame; the buffer is borrowed for the call.
     * Returns false when the kernel could not take it (queue full, device down): a drop the caller counts.
     */
    public boolean write(ByteBuffer buf, int length) {
        return write(buf, 0, length, VirtioNetHeader.NONE);
    }

    /** Writes {@code length} bytes of {@code buf} starting at {@code offset} as one frame. */
    public boolean write(ByteBuffer buf, int offset, int length) {
        return write(buf, offset, length, VirtioNetHeader.NONE);
    }

    /**
     * Writes one frame with its offload metadata: a super-frame or a partial checksum only to a device that
     * {@link #takesOffloads()} (the caller resolves them in software for one that does not; see
     * {@code TcpSegmenter}). Without offloads {@code offload} must be {@link VirtioNetHeader#NONE}.
     */
    public boolean write(ByteBuffer buf, int offset, int length, long offload) {
        int f = fd;
        if (f < 0) {
            return false;
        }
        long address = addressOf(buf) + offset;
        if (!vnetHeader) {
            return LibC.write(f, address, length) == length;
        }
        AddressCache c = ADDRESSES.get();
        WriteScratch w = c.write;
        if (w == null) {
            w = c.write = new WriteScratch();
        }
        VirtioNetHeader.write(offload, w.header, 0, linkHeader);
        w.iov.putLong(IOV_LEN, address);
        w.iov.putLong(IOV_LEN + 8, length);
        return LibC.writev(f, w.iovAddress, 2) == VirtioNetHeader.LENGTH + length;
    }

    @Override
    public void close() {
        int f = fd;
        fd = -1;
        if (f >= 0) {
            LibC.close(f);
        }
    }

    /**
     * The native address of a direct buffer. Looking it up is a JNI call that allocates, so each thread keeps
     * the last two it saw: a forwarding thread reads into one buffer and writes from it or from its scratch.
     */
    private static long addressOf(ByteBuffer buf) {
        AddressCache c = ADDRESSES.get();
        if (c.buf0 == buf) {
            return c.addr0;
        }
        if (c.buf1 == buf) {
            return c.addr1;
        }
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("TAP/TUN I/O needs a direct buffer");
        }
        long addr = nativeAddress(buf);
        c.buf1 = c.buf0;
        c.addr1 = c.addr0;
        c.buf0 = buf;
        c.addr0 = addr;
        return addr;
    }

    private static long nativeAddress(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    private static final class AddressCache {
        ByteBuffer buf0;
        long addr0;
        ByteBuffer buf1;
        long addr1;
        /** A writing thread's header and iovec pair, made the first time it writes to a device with headers. */
        WriteScratch write;
    }

    private static final class WriteScratch {
        final ByteBuffer header = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH);
        final ByteBuffer iov = ByteBuffer.allocateDirect(2 * IOV_LEN).order(ByteOrder.nativeOrder());
        final long iovAddress = nativeAddress(iov);

        WriteScratch() {
            iov.putLong(0, nativeAddress(header));
            iov.putLong(8, VirtioNetHeader.LENGTH);
        }
    }

    private static final ThreadLocal<AddressCache> ADDRESSES = ThreadLocal.withInitial(AddressCache::new);
}
