package dev.vnet.ingress.route;

import dev.vnet.ingress.tls.TlsMaterial;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which certificate to present for an SNI name: from HTTPS listeners of Gateways and from Ingress spec.tls. An exact
 * name wins over a wildcard (the longer wildcard first), which wins over a listener without hostname; at equal
 * specificity a Gateway listener before an Ingress, then the order added (oldest object first).
 */
final class Certificates {
    /** {@code pattern} null = any name; {@code oneLabel}: a wildcard with Ingress semantics. */
    record Entry(int port, String pattern, boolean oneLabel, boolean fromGateway, TlsMaterial material) {
        boolean matches(String sni) {
            if (pattern == null) {
                return true;
            }
            if (sni == null) {
                return false;
            }
            return oneLabel ? Hostnames.ingressMatches(pattern, sni) : Hostnames.gatewayMatches(pattern, sni);
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    void add(Entry e) {
        entries.add(e);
    }

    Optional<TlsMaterial> select(int port, String sni) {
        Entry best = null;
        for (Entry e : entries) {
            if (e.port() == port && e.matches(sni) && (best == null || better(e, best))) {
                best = e;
            }
        }
        return best == null ? Optional.empty() : Optional.of(best.material());
    }

    private static boolean better(Entry a, Entry b) {
        int sa = Hostnames.specificity(a.pattern());
        int sb = Hostnames.specificity(b.pattern());
        if (sa != sb) {
            return sa > sb;
        }
        return a.fromGateway() && !b.fromGateway();
    }
}
