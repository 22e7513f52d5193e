package dev.vnet.core.capture;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The libpcap calls capture filters need, bound with JNA's direct mapping: pointers pass as raw addresses
 * ({@code long}), so {@link #pcap_offline_filter} allocates nothing. libpcap is loaded on first use; if it is
 * missing, {@link #unavailable()} says so and what to install, and no native method may be called.
 */
final class LibPcap {

    /** libpcap's DLT for Ethernet, the same number as {@link CaptureSink#LINKTYPE_ETHERNET}. */
    static final int DLT_EN10MB = 1;
    /** libpcap's DLT for bare IP on Linux; files call it {@link CaptureSink#LINKTYPE_RAW} (101). */
    static final int DLT_RAW = 12;
    /** The snap length of the dead handles programs are compiled for: tcpdump's default, 256 KiB. */
    static final int SNAPLEN = 262144;
    /** tcpdump -r compiles with netmask 0, so {@code ip broadcast} means 0.0.0.0 or 255.255.255.255 there too. */
    static final int NETMASK = 0;

    /** The first name is what -dev packages install; Debian's runtime package (libpcap0.8) has only the second. */
    private static final String UNAVAILABLE = bind("pcap", "libpcap.so.0.8");

    private LibPcap() {
    }

    /**
     * Registers this class's natives with the first of {@code names} that loads; returns null, or the one-line
     * error to show when none does.
     */
    static String bind(String... names) {
        for (String name : names) {
            try {
                Native.register(LibPcap.class, NativeLibrary.getInstance(name));
                return null;
            } catch (UnsatisfiedLinkError e) {
                // try the next name
            }
        }
        return "capture filters are compiled by libpcap, which is not installed: apt-get install libpcap0.8"
                + " (scripts/install-deps.sh installs it)";
    }

    /** Null once libpcap is loaded; otherwise the one-line error that says to install it. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** {@code pcap_t *pcap_open_dead(int linktype, int snaplen)}: a handle that only compiles filters. */
    static native long pcap_open_dead(int linktype, int snaplen);

    /**
     * {@code int pcap_compile(pcap_t *p, struct bpf_program *fp, const char *str, int optimize,
     * bpf_u_int32 netmask)}: 0, or -1 with the reason in {@link #pcap_geterr}.
     */
    static native int pcap_compile(long pcap, long program, String expression, int optimize, int netmask);

    static native String pcap_geterr(long pcap);

    /** Frees the instructions {@link #pcap_compile} allocated (not the {@code struct bpf_program} itself). */
    static native void pcap_freecode(long program);

    static native void pcap_close(long pcap);

    /**
     * {@code int pcap_offline_filter(const struct bpf_program *fp, const struct pcap_pkthdr *h, const u_char
     * *pkt)}: runs the program on {@code h->caplen} bytes at {@code pkt}; non-zero if it accepts. It only
     * reads the program, so threads may share one, each with its own header.
     */
    static native int pcap_offline_filter(long program, long header, long packet);

    /** Such as "libpcap version 1.10.3 (with TPACKET_V3)". */
    static native String pcap_lib_version();
}
