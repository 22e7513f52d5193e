package dev.vnet.node.dns;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;

/** Small name helpers for the cluster zone: absolute names, reverse-name prefixes, the zone's SOA. */
final class ZoneNames {
    /** CoreDNS's SOA timers: refresh 2 h, retry 30 min, expire 1 day; the minimum is the record TTL. */
    static final long REFRESH = 7200;
    static final long RETRY = 1800;
    static final long EXPIRE = 86400;

    private ZoneNames() {}

    /** {@code text} as an absolute name ("cluster.local" and "cluster.local." are both cluster.local.). */
    static Name absolute(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad DNS zone \"" + text + "\": " + e.getMessage(), e);
        }
    }

    /**
     * The address prefix a name under {@code in-addr.arpa.} stands for: {@code 96.10.in-addr.arpa.} is
     * 10.96.0.0/16, {@code in-addr.arpa.} itself 0.0.0.0/0, and a name with more than four labels below it
     * the /32 of its last four. Null for other names and for labels that are not octets ("010", "256", "x").
     */
    static Cidr reversePrefix(Name name) {
        if (!name.subdomain(ZoneRecords.IN_ADDR_ARPA)) {
            return null;
        }
        int below = name.labels() - ZoneRecords.IN_ADDR_ARPA.labels();
        int octets = Math.min(below, 4);
        int bits = 0;
        for (int i = 0; i < octets; i++) {
            // Labels are counted from the left; the first octet is the label just below in-addr.arpa.
            String label = name.getLabelString(below - 1 - i);
            if (!label.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(label) > 255) {
                return null;
            }
            bits |= Integer.parseInt(label) << (24 - 8 * i);
        }
        return new Cidr(new Ipv4Address(bits), 8 * octets);
    }

    /** {@code <apex> TTL IN SOA ns.dns.<apex> hostmaster.<apex> serial 7200 1800 86400 TTL}, as CoreDNS writes it. */
    static SOARecord soa(Name apex, long serial, long ttl) {
        try {
            return new SOARecord(apex, DClass.IN, ttl, Name.concatenate(Name.fromString("ns.dns"), apex),
                    Name.concatenate(Name.fromString("hostmaster"), apex), serial & 0xFFFFFFFFL,
                    REFRESH, RETRY, EXPIRE, ttl);
        } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
            throw new IllegalArgumentException("zone name too long for its SOA: " + apex, e);
        }
    }
}
