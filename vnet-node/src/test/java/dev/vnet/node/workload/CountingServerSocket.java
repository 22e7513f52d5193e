package dev.vnet.node.workload;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listener on 127.0.0.1 whose accepted sockets count the writes the server makes to them, and are kept so
 * a test can read their options.
 */
final class CountingServerSocket extends ServerSocket {
    final List<Socket> accepted = new CopyOnWriteArrayList<>();
    final AtomicInteger writes = new AtomicInteger();

    CountingServerSocket() throws IOException {
        super(0, 16, InetAddress.getLoopbackAddress());
    }

    @Override
    public Socket accept() throws IOException {
        Socket s = new CountingSocket();
        implAccept(s);
        accepted.add(s);
        return s;
    }

    private final class CountingSocket extends Socket {
        @Override
        public OutputStream getOutputStream() throws IOException {
            return new FilterOutputStream(super.getOutputStream()) {
                @Override
                public void write(int b) throws IOException {
                    writes.incrementAndGet();
                    out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    writes.incrementAndGet();
                    out.write(b, off, len);
                }
            };
        }
    }
}
