package dev.vnet.node.pod;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Host-local IPAM for one node's pod subnet, as the CNI host-local plugin does it: each pod gets the lowest
 * free address, unique while the pod exists and free again once it is deleted.
 *
 * <p>Reserved: the network address (it names the node's TUN, {@code 10.244.N.0/32}), the gateway
 * ({@code .1}) and the broadcast address.
 */
public final class Ipam {
    private final Cidr subnet;
    private final int gatewayOffset;
    private final BitSet used = new BitSet();
    private final Map<String, Integer> owners = new HashMap<>();

    public Ipam(Cidr subnet, Ipv4Address gateway) {
        if (subnet.prefixLength() > 30) {
            throw new IllegalArgumentException("pod subnet " + subnet + " is too small: use /30 or larger");
        }
        if (!subnet.contains(gateway)) {
            throw new IllegalArgumentException("gateway " + gateway + " is not inside pod subnet " + subnet);
        }
        this.subnet = subnet;
        this.gatewayOffset = gateway.bits() - subnet.network().bits();
    }

    /** Gives {@code owner} an address (the same one if it already has one). */
    public synchronized Ipv4Address allocate(String owner) {
        Integer have = owners.get(owner);
        if (have != null) {
            return subnet.host(have);
        }
        long size = subnet.size();
        for (int i = 1; i < size - 1; i++) {
            if (i != gatewayOffset && !used.get(i)) {
                used.set(i);
                owners.put(owner, i);
                return subnet.host(i);
            }
        }
        throw new IllegalStateException("pod subnet " + subnet + " is full (" + owners.size() + " pods)");
    }

    /**
     * Gives {@code owner} the address it had before (a restarted node re-adopting its pods); fails if the
     * address is outside the subnet, the gateway's, or someone else's.
     */
    public synchronized Ipv4Address reserve(String owner, Ipv4Address ip) {
        int i = ip.bits() - subnet.network().bits();
        if (!subnet.contains(ip) || i <= 0 || i >= subnet.size() - 1 || i == gatewayOffset) {
            throw new IllegalStateException(ip + " is not a pod address of " + subnet);
        }
        Integer have = owners.get(owner);
        if (have != null) {
            if (have == i) {
                return ip;
            }
            throw new IllegalStateException(owner + " already has " + subnet.host(have));
        }
        if (used.get(i)) {
            throw new IllegalStateException(ip + " is already in use on this node");
        }
        used.set(i);
        owners.put(owner, i);
        return ip;
    }

    /** Frees {@code owner}'s address; harmless if it had none. */
    public synchronized void release(String owner) {
        Integer i = owners.remove(owner);
        if (i != null) {
            used.clear(i);
        }
    }

    public synchronized int inUse() {
        return owners.size();
    }

    public Cidr subnet() {
        return subnet;
    }
}
