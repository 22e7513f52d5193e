package dev.vnet.core.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A TAP (Ethernet frames) or TUN (IP packets) device opened through {@code /dev/net/tun}, held by this process.
 *
 * <p>The device is created in the network namespace of the calling thread, so a pod's {@code eth0} is made
 * from a thread that has entered the pod's namespace ({@link NetNs#call}). It lives as long as this file
 * descriptor: closing it (or this process dying) removes the device. The descriptor is non-blocking;
 * {@link #read} waits in {@code poll} only when the queue is empty, so a busy port costs one system call
 * per frame and an idle reader still notices {@link #close} within one poll interval.
 */
public final class TapDevice implements Closeable {
    /** {@code TUNSETIFF = _IOW('T', 202, int)} from linux/if_tun.h. */
    private static final long TUNSETIFF = 0x400454caL;
    /** {@code TUNSETPERSIST = _IOW('T', 203, int)}: the device outlives its descriptor (and this process). */
    private static final long TUNSETPERSIST = 0x400454cbL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int POLL_MILLIS = 200;

    /** Largest frame a read can return: 64 KiB, room for offloaded super-frames later. */
    public static final int MAX_FRAME = 65536;

    public enum Kind { TAP, TUN }

    private final String name;
    private final Kind kind;
    private volatile int fd;
    /** poll(2)'s argument for the reader: one device has one reading thread. */
    private final int[] pollfd = new int[2];

    private TapDevice(String name, Kind kind, int fd) {
        this.name = name;
        this.kind = kind;
        this.fd = fd;
    }

    /**
     * Creates the device {@code name} in the calling thread's network namespace, or attaches to it if a
     * persistent device of that name and kind is already there (the kernel's TUNSETIFF does both).
     */
    public static TapDevice create(String name, Kind kind) throws IOException {
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
        short flags = (short) ((kind == Kind.TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
        // ifr_flags is a native-endian short right after the 16-byte name; x86 and arm64 are little-endian.
        ifr[IFNAMSIZ] = (byte) flags;
        ifr[IFNAMSIZ + 1] = (byte) (flags >> 8);
        if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
            String why = LibC.lastError();
            LibC.close(fd);
            throw new IOException("cannot create " + kind + " device " + name + ": " + why);
        }
        return new TapDevice(name, kind, fd);
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
        long address = addressOf(buf) + offset;
        int capacity = buf.capacity() - offset;
        while (true) {
            int f = fd;
            if (f < 0) {
                return -1;
            }
            long n = LibC.read(f, address, capacity);
            if (n >= 0) {
                return (int) n;
            }
            int errno = Native.getLastError();
            if (errno == LibC.EINTR) {
                continue;
            }
            if (errno != LibC.EAGAIN) {
                if (fd < 0) {
                    return -1;
                }
                throw new IOException("read from " + name + " failed: " + LibC.strerror(errno));
            }
            int[] pollfd = this.pollfd;
            pollfd[0] = f;
            pollfd[1] = LibC.POLLIN;
            LibC.poll(pollfd, 1, POLL_MILLIS);
        }
    }

    /**
     * Writes {@code length} bytes of {@code buf} from index 0 as one frame; the buffer is borrowed for the call.
     * Returns false when the kernel could not take it (queue full, device down): a drop the caller counts.
     */
    public boolean write(ByteBuffer buf, int length) {
        return write(buf, 0, length);
    }

    /** Writes {@code length} bytes of {@code buf} starting at {@code offset} as one frame. */
    public boolean write(ByteBuffer buf, int offset, int length) {
        int f = fd;
        if (f < 0) {
            return false;
        }
        return LibC.write(f, addressOf(buf) + offset, length) == length;
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
        long addr = Pointer.nativeValue(Native.getDirectBufferPointer(buf));
        c.buf1 = c.buf0;
        c.addr1 = c.addr0;
        c.buf0 = buf;
        c.addr0 = addr;
        return addr;
    }

    private static final class AddressCache {
        ByteBuffer buf0;
        long addr0;
        ByteBuffer buf1;
        long addr1;
    }

    private static final ThreadLocal<AddressCache> ADDRESSES = ThreadLocal.withInitial(AddressCache::new);
}
