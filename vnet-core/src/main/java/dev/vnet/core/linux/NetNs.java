package dev.vnet.core.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Entering named network namespaces ({@code /run/netns/NAME}, as {@code ip netns} makes them).
 *
 * <p>{@code setns(2)} moves only the calling thread, so work that must happen inside a namespace — creating
 * a TAP/TUN device, opening a socket — runs on a fresh platform thread that enters the namespace, does the
 * work and ends. No pooled thread is ever left inside a foreign namespace. Sockets and devices keep the
 * namespace they were created in, so they can be used from any thread afterwards.
 */
public final class NetNs {
    private static final Path NETNS_DIR = Path.of("/run/netns");

    private NetNs() {}

    public static Path path(String name) {
        return NETNS_DIR.resolve(name);
    }

    public static boolean exists(String name) {
        return Files.exists(path(name));
    }

    /** Runs {@code work} on a new platform thread inside namespace {@code name} and returns its result. */
    public static <T> T call(String name, Callable<T> work) throws IOException {
        FutureTask<T> task = new FutureTask<>(() -> {
            enter(name);
            return work.call();
        });
        Thread thread = new Thread(task, "netns-" + name);
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while working in namespace " + name, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("in namespace " + name + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Starts a long-lived platform thread that enters namespace {@code name} and then runs {@code body};
     * for servers whose accept loop should live in the namespace.
     */
    public static Thread startThread(String name, String threadName, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                enter(name);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            body.run();
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Moves the calling thread into namespace {@code name}. Only for threads that never return to a pool. */
    static void enter(String name) throws IOException {
        Path p = path(name);
        int fd = LibC.open(p.toString(), LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("network namespace " + name + " not found (" + LibC.lastError() + ")");
        }
        try {
            if (LibC.setns(fd, LibC.CLONE_NEWNET) < 0) {
                throw new IOException("cannot enter network namespace " + name + ": " + LibC.lastError());
            }
        } finally {
            LibC.close(fd);
        }
    }
}
