package dev.vnet.core.addr;

/**
 * A 48-bit Ethernet MAC address held in the low bits of a {@code long}; the data path passes the raw
 * {@code long} and this record gives it a name, parsing and printing.
 */
public record MacAddress(long bits) {

    private static final long MASK = 0xFFFF_FFFF_FFFFL;

    /** The all-ones address ff:ff:ff:ff:ff:ff. */
    public static final MacAddress BROADCAST = new MacAddress(MASK);

    /** The first two octets of a pod MAC, as the CNI bridge plugin derives it from the pod IP. */
    private static final long POD_PREFIX = 0x0a58L << 32;

    public MacAddress {
        if ((bits & ~MASK) != 0) {
            throw new IllegalArgumentException(
                    "MAC address bits 0x" + Long.toHexString(bits) + " do not fit in 48 bits");
        }
    }

    /** Parses the colon form, such as {@code 0a:58:0a:f4:01:05}, in either case. */
    public static MacAddress parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw bad(text);
        }
        long bits = 0;
        for (String part : parts) {
            if (part.length() != 2) {
                throw bad(text);
            }
            int hi = Character.digit(part.charAt(0), 16);
            int lo = Character.digit(part.charAt(1), 16);
            if (hi < 0 || lo < 0) {
                throw bad(text);
            }
            bits = (bits << 8) | (hi << 4) | lo;
        }
        return new MacAddress(bits);
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException(
                "bad MAC address \"" + text + "\": expected six hex octets like 0a:58:0a:f4:01:05");
    }

    /** The MAC a pod gets for its IP: {@code 0a:58:} followed by the four IPv4 bytes. */
    public static MacAddress forPodIp(Ipv4Address ip) {
        return new MacAddress(POD_PREFIX | (ip.bits() & 0xFFFF_FFFFL));
    }

    public boolean isBroadcast() {
        return bits == MASK;
    }

    /** True for group addresses (the broadcast address included). */
    public boolean isMulticast() {
        return isMulticast(bits);
    }

    /** True if the group bit, the lowest bit of the first octet (IEEE 802), is set. */
    public static boolean isMulticast(long bits) {
        return ((bits >>> 40) & 1) != 0;
    }

    @Override
    public String toString() {
        return toString(bits);
    }

    /** Formats 48 bits as lower-case colon-separated octets. */
    public static String toString(long bits) {
        char[] out = new char[17];
        for (int i = 0; i < 6; i++) {
            int octet = (int) (bits >>> (40 - 8 * i)) & 0xFF;
            out[i * 3] = Character.forDigit(octet >>> 4, 16);
            out[i * 3 + 1] = Character.forDigit(octet & 0xF, 16);
            if (i < 5) {
                out[i * 3 + 2] = ':';
            }
        }
        return new String(out);
    }
}
