package dev.vnet.node.workload;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the built-in servers (whoami, echo, nginx, agnhost) share: a name, a log file for `vnet logs`, running or not, and the
 * TCP accept loop. Each connection is served on its own daemon thread with TCP_NODELAY: the servers write
 * each answer whole, so Nagle could only hold a small answer back until the peer's delayed ACK (~40 ms).
 */
abstract class BuiltinServer implements Workload {
    /** Serves one accepted connection until it ends; the accept loop closes the socket afterwards. */
    interface Connection {
        void serve(Socket socket) throws IOException;
    }

    private final String containerName;
    private final Path logFile;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    volatile boolean running = true;
    /** Held while writing the log, so that a stopped server writes no more (its folder may be removed next). */
    private final Object logLock = new Object();

    BuiltinServer(String containerName, Path logFile) {
        this.containerName = containerName;
        this.logFile = logFile;
    }

    /** Accepts on {@code listener} until it is closed, each connection on a thread named {@code threadName}. */
    void acceptLoop(ServerSocket listener, String threadName, Connection connection) {
        while (running) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            open.add(s);
            if (!running) { // accepted while closing: closeConnections may have missed it
                closeConnections();
                return;
            }
            daemon(threadName, () -> {
                try (s) {
                    s.setTcpNoDelay(true);
                    connection.serve(s);
                } catch (IOException ignored) {
                    // The peer went away or idled out, or the server is closing.
                } finally {
                    open.remove(s);
                }
            });
        }
    }

    /** Resets the connections still open, as a container that stops does. */
    void closeConnections() {
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
    }

    static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    /** Marks the server stopped; once this returns, nothing more is written to its log. */
    void stopRunning() {
        synchronized (logLock) {
            running = false;
        }
    }

    /** Appends a timestamped line to the container's log while it runs; best effort, the server keeps serving. */
    void log(String line) {
        synchronized (logLock) {
            if (running) {
                append(line);
            }
        }
    }

    /**
     * Appends a line as it is, without vnet's timestamp, while the server runs: for logs in the format of the
     * program imitated (nginx's access log carries its own time).
     */
    void logAsIs(String line) {
        synchronized (logLock) {
            if (running) {
                write(line + "\n");
            }
        }
    }

    private void append(String line) {
        write(Instant.now() + " " + line + "\n");
    }

    private void write(String text) {
        try {
            Files.writeString(logFile, text, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // Best effort.
        }
    }

    @Override
    public String containerName() {
        return containerName;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public Integer exitCode() {
        return null; // a built-in server does not exit by itself
    }

    @Override
    public Path logFile() {
        return logFile;
    }
}
