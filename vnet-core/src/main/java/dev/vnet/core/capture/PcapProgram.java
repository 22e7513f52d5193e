package dev.vnet.core.capture;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * A filter expression compiled by libpcap's {@code pcap_compile} for one link type: the BPF program tcpdump
 * would run. The program lives in memory this object owns (freed when it is collected), so a filter needs no
 * closing: libpcap's own copy is freed right after compiling.
 *
 * <p>Layout, as libpcap's headers declare it:
 * <pre>
 * struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; };    bf_insns at pointer alignment
 * struct bpf_insn    { u_short code; u_char jt; u_char jf; bpf_u_int32 k; };    8 bytes
 * </pre>
 * Here the instructions follow the struct in the same block.
 */
final class PcapProgram {

    /** libpcap's message when its optimizer proves nothing can match: "tcp and udp", or "arp" on bare IP. */
    static final String REJECTS_ALL = "expression rejects all packets";

    private static final int BF_LEN = 0;
    private static final int BF_INSNS = Native.POINTER_SIZE;
    private static final int STRUCT_LEN = 2 * Native.POINTER_SIZE;
    private static final int INSN_LEN = 8;

    /** tcpdump prefixes its grammar's errors with this; "bad capture filter" says as much already. */
    private static final String PARSE_PREFIX = "can't parse filter expression: ";

    private final Memory memory;
    private final long address;

    private PcapProgram(Memory memory) {
        this.memory = memory;
        this.address = Pointer.nativeValue(memory);
    }

    /**
     * Compiles {@code expression} for libpcap link type {@code dlt} ({@link LibPcap#DLT_EN10MB},
     * {@link LibPcap#DLT_RAW}), optimized as tcpdump does.
     *
     * @throws IllegalArgumentException with libpcap's one-line message, such as "syntax error" or
     *     {@link #REJECTS_ALL}
     * @throws IllegalStateException if libpcap is not installed (see {@link LibPcap#unavailable()})
     */
    static PcapProgram compile(String expression, int dlt) {
        if (LibPcap.unavailable() != null) {
            throw new IllegalStateException(LibPcap.unavailable());
        }
        // Older libpcaps kept the compiler's state in globals; a lock costs nothing at this rate.
        synchronized (PcapProgram.class) {
            long pcap = LibPcap.pcap_open_dead(dlt, LibPcap.SNAPLEN);
            if (pcap == 0) {
                throw new IllegalStateException("libpcap cannot open a handle for link type " + dlt);
            }
            try (Memory compiled = new Memory(STRUCT_LEN)) {
                compiled.clear();
                long struct = Pointer.nativeValue(compiled);
                if (LibPcap.pcap_compile(pcap, struct, expression, 1, LibPcap.NETMASK) != 0) {
                    throw new IllegalArgumentException(message(LibPcap.pcap_geterr(pcap)));
                }
                try {
                    int length = compiled.getInt(BF_LEN);
                    if (length <= 0) {
                        throw new IllegalStateException("libpcap compiled \"" + expression + "\" to no instructions");
                    }
                    Memory own = new Memory(STRUCT_LEN + (long) length * INSN_LEN);
                    own.clear();
                    own.setInt(BF_LEN, length);
                    own.setPointer(BF_INSNS, own.share(STRUCT_LEN));
                    byte[] insns = compiled.getPointer(BF_INSNS).getByteArray(0, length * INSN_LEN);
                    own.write(STRUCT_LEN, insns, 0, insns.length);
                    return new PcapProgram(own);
                } finally {
                    LibPcap.pcap_freecode(struct);
                }
            } finally {
                LibPcap.pcap_close(pcap);
            }
        }
    }

    private static String message(String error) {
        String text = error == null || error.isBlank() ? "libpcap refused it" : error.strip();
        if (text.startsWith(PARSE_PREFIX)) {
            text = text.substring(PARSE_PREFIX.length());
        }
        return text.replaceAll("\\s*\\R\\s*", " ");
    }

    /** The address of the {@code struct bpf_program}, valid while this object is reachable. */
    long address() {
        return address;
    }

    /** Instructions in the program. */
    int length() {
        return memory.getInt(BF_LEN);
    }
}
