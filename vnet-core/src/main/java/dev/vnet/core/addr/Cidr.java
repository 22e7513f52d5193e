package dev.vnet.core.addr;

/**
 * An IPv4 prefix such as 10.244.1.0/24 (RFC 4632); the network address must have no host bits set.
 */
public record Cidr(Ipv4Address network, int prefixLength) {

    public Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException(
                    "bad CIDR \"" + network + "/" + prefixLength + "\": prefix length must be 0..32");
        }
        int mask = mask(prefixLength);
        if ((network.bits() & ~mask) != 0) {
            throw new IllegalArgumentException("bad CIDR \"" + network + "/" + prefixLength
                    + "\": host bits are set, did you mean "
                    + Ipv4Address.toString(network.bits() & mask) + "/" + prefixLength + "?");
        }
    }

    /** Parses {@code address/prefix}, such as {@code 10.244.1.0/24}. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(
                    "bad CIDR \"" + text + "\": expected address/prefix like 10.244.1.0/24");
        }
        String prefix = text.substring(slash + 1);
        if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(
                    "bad CIDR \"" + text + "\": prefix length must be a number 0..32");
        }
        Ipv4Address network;
        try {
            network = Ipv4Address.parse(text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad CIDR \"" + text + "\": " + e.getMessage(), e);
        }
        return new Cidr(network, Integer.parseInt(prefix));
    }

    /** The netmask as an int, 0xFFFFFF00 for a /24. */
    public int mask() {
        return mask(prefixLength);
    }

    private static int mask(int prefixLength) {
        // A Java shift by 32 is a shift by 0, so /0 needs its own case.
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public boolean contains(Ipv4Address address) {
        return contains(address.bits());
    }

    /** The allocation-free form for the data path. */
    public boolean contains(int ipBits) {
        return (ipBits & mask()) == network.bits();
    }

    /** The number of addresses in the prefix, network and broadcast included. */
    public long size() {
        return 1L << (32 - prefixLength);
    }

    /** The address {@code n} places after the network address; host(1) of 10.244.1.0/24 is 10.244.1.1. */
    public Ipv4Address host(int n) {
        if (n < 0 || n >= size()) {
            throw new IllegalArgumentException("host " + n + " is outside " + this + " (0.." + (size() - 1) + ")");
        }
        return network.plus(n);
    }

    /** True if some address lies in both prefixes, that is if one contains the other. */
    public boolean overlaps(Cidr other) {
        int shorter = mask(Math.min(prefixLength, other.prefixLength));
        return (network.bits() & shorter) == (other.network.bits() & shorter);
    }

    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }
}
