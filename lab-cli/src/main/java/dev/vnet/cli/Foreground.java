package dev.vnet.cli;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C for a verb that runs inside this JVM until stopped ({@code vnet port-forward}). Run once from a shell,
 * SIGINT ends the JVM and the verb with it. The REPL keeps SIGINT for itself (so that it survives), and passes
 * it on here: the verb's waiting thread is interrupted, the verb cleans up and returns, and the prompt comes back.
 */
final class Foreground {
    private static final Set<Thread> WAITING = ConcurrentHashMap.newKeySet();

    private Foreground() {
    }

    /** Blocks until Ctrl-C reaches {@link #interrupt()} (or the thread is interrupted otherwise). */
    static void awaitInterrupt() {
        Thread me = Thread.currentThread();
        WAITING.add(me);
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            // Ctrl-C: the caller stops.
        } finally {
            WAITING.remove(me);
        }
    }

    /** Whether a verb waits for Ctrl-C now. */
    static boolean anyWaiting() {
        return !WAITING.isEmpty();
    }

    /** Stops the verbs that wait for Ctrl-C (the REPL's SIGINT handler calls this). */
    static void interrupt() {
        WAITING.forEach(Thread::interrupt);
    }
}
