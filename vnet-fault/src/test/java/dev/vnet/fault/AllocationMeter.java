package dev.vnet.fault;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;

/** Counts the bytes the current thread allocates, through HotSpot's com.sun.management.ThreadMXBean. */
final class AllocationMeter {

    private AllocationMeter() {
    }

    /**
     * Runs {@code work} {@code warmup} times (so the JIT compiles it and escape analysis can do its part),
     * then {@code rounds} more, and returns the bytes allocated during those. Skips the test on a JVM that
     * cannot count.
     */
    static long bytesAllocated(int warmup, int rounds, Runnable work) {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot count allocations");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocations");
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        // The least of three measurements: a loaded machine may still be compiling during the first (a deopt or
        // an interpreted call allocates once), while a real per-frame allocation shows in every one.
        long thread = Thread.currentThread().getId();
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3 && least != 0; attempt++) {
            long before = bean.getThreadAllocatedBytes(thread);
            for (int i = 0; i < rounds; i++) {
                work.run();
            }
            least = Math.min(least, bean.getThreadAllocatedBytes(thread) - before);
        }
        return least;
    }
}
