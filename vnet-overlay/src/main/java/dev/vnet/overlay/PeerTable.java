package dev.vnet.overlay;

import java.util.List;

/**
 * Which node owns each remote pod subnet: one entry per remote node, flannel-style, so nothing is ever
 * flooded over the underlay. Data-path lookups read an immutable snapshot behind a volatile reference, with
 * no lock and no allocation; only {@link #replace} (the overlay's sync) writes.
 */
public final class PeerTable {
    private volatile Peer[] peers = new Peer[0];

    /** The peer whose pod subnet holds {@code ip}, or null. */
    public Peer forDestination(int ip) {
        for (Peer p : peers) {
            if (p.podSubnet().contains(ip)) {
                return p;
            }
        }
        return null;
    }

    /** The peer with underlay address {@code ip} (the source of a VXLAN packet), or null. */
    public Peer forUnderlay(int ip) {
        for (Peer p : peers) {
            if (p.underlayIp().bits() == ip) {
                return p;
            }
        }
        return null;
    }

    /** Installs a new set of peers at once. */
    public void replace(List<Peer> next) {
        peers = next.toArray(Peer[]::new);
    }

    public List<Peer> peers() {
        return List.of(peers);
    }
}
