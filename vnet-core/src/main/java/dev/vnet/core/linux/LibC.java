package dev.vnet.core.linux;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few libc calls vnet needs, bound with JNA's direct mapping (no per-call reflection or boxing).
 *
 * <p>Buffers are passed as raw addresses ({@code long}) of direct buffers, so a read or write allocates
 * nothing on the data path. Errors come back as -1 with the cause in {@link Native#getLastError()},
 * which JNA keeps per thread after every call.
 */
final class LibC {
    static {
        Native.register(Platform.C_LIBRARY_NAME);
    }

    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    static final short POLLIN = 0x1;

    private LibC() {}

    static native int open(String path, int flags);

    static native int close(int fd);

    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    /** {@code struct iovec[]} at a native address: base, then length, 8 bytes each (64-bit Linux). */
    static native long readv(int fd, long iov, int iovcnt);

    static native long writev(int fd, long iov, int iovcnt);

    static native int ioctl(int fd, long request, byte[] arg);

    /** ioctl with an integer argument passed by value (TUNSETPERSIST). */
    static native int ioctl(int fd, long request, long arg);

    static final int EINVAL = 22;

    static native int setns(int fd, int nstype);

    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SOL_UDP = 17;
    /** linux/udp.h: the size of each datagram a send is cut into (UDP GSO). */
    static final int UDP_SEGMENT = 103;
    static final int EIO = 5;
    static final int ENOPROTOOPT = 92;
    static final int EMSGSIZE = 90;

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, byte[] addr, int addrlen);

    static native int getsockname(int fd, byte[] addr, int[] addrlen);

    static native int setsockopt(int fd, int level, int name, int[] value, int len);

    /** sendto(2) with the destination {@code struct sockaddr_in} at a native address. */
    static native long sendto(int fd, long buf, long len, int flags, long addr, int addrlen);

    /** sendmsg(2) with a {@code struct msghdr} at a native address. */
    static native long sendmsg(int fd, long msg, int flags);

    /** {@code struct pollfd[]} laid out as ints: fd, then events (low half) and revents (high half). */
    static native int poll(int[] fds, long nfds, int timeoutMillis);

    static native String strerror(int errnum);

    static String lastError() {
        int errno = Native.getLastError();
        return strerror(errno) + " (errno " + errno + ")";
    }
}
