package dev.vnet.fault;

import dev.vnet.core.capture.CaptureFilter;
import org.junit.jupiter.api.Assumptions;

/** Drop filters are compiled by the system's libpcap: tests that need it skip, with the reason, without it. */
final class Libpcap {

    private Libpcap() {
    }

    /** Skips the test if libpcap is not installed, with the message a learner would see. */
    static void assumeInstalled() {
        String why = null;
        try {
            CaptureFilter.parse("ip");
        } catch (IllegalArgumentException | LinkageError e) {
            why = e.getMessage();
        }
        Assumptions.assumeTrue(why == null, why);
    }
}
