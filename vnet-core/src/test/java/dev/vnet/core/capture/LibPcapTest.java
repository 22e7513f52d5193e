package dev.vnet.core.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LibPcapTest {

    /** Debian's runtime package installs only the versioned name; that is enough. */
    @Test
    void loadsTheInstalledLibpcap() {
        assertNull(LibPcap.unavailable());
        assertTrue(LibPcap.pcap_lib_version().startsWith("libpcap version "), LibPcap.pcap_lib_version());
        assertTrue(CaptureFilter.libpcapVersion().matches("libpcap \\d+\\.\\d+\\S*"), CaptureFilter.libpcapVersion());
    }

    @Test
    void aMissingLibpcapSaysWhatToInstall() {
        assertEquals("capture filters are compiled by libpcap, which is not installed: apt-get install libpcap0.8"
                + " (scripts/install-deps.sh installs it)", LibPcap.bind("vnet-no-such-pcap", "libvnet-absent.so.0"));
    }
}
