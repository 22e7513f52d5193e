package dev.vnet.policy;

import dev.vnet.core.addr.Ipv4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled {@code ipBlock}: an IPv4 prefix less its {@code except} prefixes, as network/mask int pairs.
 * It matches any address in {@code cidr} and in none of {@code except}, a pod's IP as well as any other.
 *
 * <p>Host bits are masked off ({@code 10.244.1.7/24} means 10.244.1.0/24), as the API server's parser has
 * always read them. Compiling never throws: an {@code ipBlock} whose cidr does not parse (an IPv6 one, which
 * vnet's IPv4 network never carries, included) matches nothing, and an {@code except} that does not parse is
 * left out.
 */
final class CidrBlock {
    private final int network;
    private final int mask;
    private final int[] exceptNetworks;
    private final int[] exceptMasks;
    private final boolean never;
    private final String text;

    private CidrBlock(int network, int mask, int[] exceptNetworks, int[] exceptMasks, boolean never, String text) {
        this.network = network;
        this.mask = mask;
        this.exceptNetworks = exceptNetworks;
        this.exceptMasks = exceptMasks;
        this.never = never;
        this.text = text;
    }

    static CidrBlock compile(String cidr, List<String> except) {
        long parsed = parse(cidr);
        List<String> exceptTexts = new ArrayList<>();
        List<Long> exceptParsed = new ArrayList<>();
        if (except != null) {
            for (String e : except) {
                long p = parse(e);
                if (p >= 0) {
                    exceptParsed.add(p);
                    exceptTexts.add(format(p));
                }
            }
        }
        String text = "ipBlock " + (parsed >= 0 ? format(parsed) : String.valueOf(cidr))
                + (exceptTexts.isEmpty() ? "" : " except " + String.join(", ", exceptTexts));
        int[] nets = new int[exceptParsed.size()];
        int[] masks = new int[exceptParsed.size()];
        for (int i = 0; i < nets.length; i++) {
            nets[i] = network(exceptParsed.get(i));
            masks[i] = mask(prefix(exceptParsed.get(i)));
        }
        if (parsed < 0) {
            return new CidrBlock(0, -1, nets, masks, true, text);
        }
        return new CidrBlock(network(parsed), mask(prefix(parsed)), nets, masks, false, text);
    }

    /** True if {@code ip} is in the block and in none of its exceptions. Allocates nothing. */
    boolean matches(int ip) {
        if (never || (ip & mask) != network) {
            return false;
        }
        for (int i = 0; i < exceptNetworks.length; i++) {
            if ((ip & exceptMasks[i]) == exceptNetworks[i]) {
                return false;
            }
        }
        return true;
    }

    /** "ipBlock 10.0.0.0/8 except 10.1.0.0/16". */
    @Override
    public String toString() {
        return text;
    }

    // A parsed prefix packed in a long: the masked network in bits 8..39, the prefix length in bits 0..7; -1 if
    // the text is no IPv4 CIDR.

    /** {@code a.b.c.d/n} with host bits masked off, or -1. */
    static long parse(String text) {
        if (text == null) {
            return -1;
        }
        int slash = text.indexOf('/');
        if (slash < 0 || slash == text.length() - 1 || text.length() - slash > 3) {
            return -1;
        }
        int prefix = 0;
        for (int i = slash + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            prefix = prefix * 10 + (c - '0');
        }
        if (prefix > 32) {
            return -1;
        }
        int bits;
        try {
            bits = Ipv4Address.parse(text.substring(0, slash)).bits();
        } catch (IllegalArgumentException e) {
            return -1;
        }
        return (Integer.toUnsignedLong(bits & mask(prefix)) << 8) | prefix;
    }

    static int network(long parsed) {
        return (int) (parsed >>> 8);
    }

    static int prefix(long parsed) {
        return (int) (parsed & 0xff);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    static String format(long parsed) {
        return Ipv4Address.toString(network(parsed)) + "/" + prefix(parsed);
    }
}
