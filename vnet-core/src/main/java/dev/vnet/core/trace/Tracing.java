package dev.vnet.core.trace;

import java.nio.ByteBuffer;

/**
 * The probe being traced right now, if any. Every stage asks {@link #match} about the IPv4 packets it handles:
 * with no trace running that is one volatile read, so the data path pays nothing for tracing when idle.
 * One trace runs at a time in a process.
 */
public final class Tracing {
    private static volatile Probe active;

    private Tracing() {}

    /** The probe if the IPv4 packet at {@code ipOffset} is it, else null. */
    public static Probe match(ByteBuffer buf, int ipOffset) {
        Probe p = active;
        return p != null && p.matches(buf, ipOffset) ? p : null;
    }

    /** The probe if the Ethernet frame at index 0 of {@code frame} carries it, else null. */
    public static Probe matchFrame(ByteBuffer frame, int length) {
        Probe p = active;
        if (p == null || length < 34 || frame.get(12) != 0x08 || frame.get(13) != 0x00) {
            return null;
        }
        return p.matches(frame, 14) ? p : null;
    }

    public static Probe active() {
        return active;
    }

    public static synchronized boolean begin(Probe p) {
        if (active != null) {
            return false;
        }
        active = p;
        return true;
    }

    public static synchronized void end(Probe p) {
        if (active == p) {
            active = null;
        }
    }
}
