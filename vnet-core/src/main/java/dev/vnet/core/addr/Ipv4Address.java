package dev.vnet.core.addr;

/**
 * An IPv4 address held as a big-endian {@code int} (10.0.0.1 is {@code 0x0A000001}); the data path passes
 * the raw {@code int} and this record gives it a name, parsing and printing.
 */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    /** Parses a strict dotted quad: four decimal numbers 0..255, no signs, spaces or leading zeros. */
    public static Ipv4Address parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw bad(text, "expected four numbers separated by dots, like 10.244.1.5");
        }
        int bits = 0;
        for (String part : parts) {
            bits = (bits << 8) | octet(text, part);
        }
        return new Ipv4Address(bits);
    }

    private static int octet(String text, String part) {
        if (part.isEmpty() || part.length() > 3) {
            throw bad(text, "each part must be a number 0..255");
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < '0' || c > '9') {
                throw bad(text, "each part must be a number 0..255");
            }
        }
        // "010" means 8 to inet_aton but 10 to most parsers, so refuse to guess.
        if (part.length() > 1 && part.charAt(0) == '0') {
            throw bad(text, "leading zeros are not allowed");
        }
        int value = Integer.parseInt(part);
        if (value > 255) {
            throw bad(text, part + " is larger than 255");
        }
        return value;
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad IPv4 address \"" + text + "\": " + why);
    }

    /** The address a.b.c.d; each part must be 0..255. */
    public static Ipv4Address of(int a, int b, int c, int d) {
        if ((a | b | c | d) < 0 || a > 255 || b > 255 || c > 255 || d > 255) {
            throw new IllegalArgumentException(
                    "bad IPv4 address " + a + "." + b + "." + c + "." + d + ": each part must be 0..255");
        }
        return new Ipv4Address(a << 24 | b << 16 | c << 8 | d);
    }

    /** The four bytes in network order. */
    public byte[] toBytes() {
        return new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
    }

    /** The address {@code n} further on (or back, if negative); throws if that leaves the address space. */
    public Ipv4Address plus(int n) {
        long result = Integer.toUnsignedLong(bits) + n;
        if (result < 0 || result > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(this + " plus " + n + " is outside the IPv4 address space");
        }
        return new Ipv4Address((int) result);
    }

    /** Orders addresses as unsigned numbers, so 10.0.0.1 comes before 192.168.0.1. */
    @Override
    public int compareTo(Ipv4Address other) {
        return Integer.compareUnsigned(bits, other.bits);
    }

    @Override
    public String toString() {
        return toString(bits);
    }

    /** Formats an address as a dotted quad. */
    public static String toString(int bits) {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xFF) + "." + ((bits >>> 8) & 0xFF) + "." + (bits & 0xFF);
    }
}
