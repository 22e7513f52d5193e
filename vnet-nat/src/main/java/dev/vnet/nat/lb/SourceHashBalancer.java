package dev.vnet.nat.lb;

import dev.vnet.core.addr.Ipv4Address;
import java.util.List;

/**
 * Picks by a hash of the client's IP address, as IPVS's {@code sh} scheduler does: every connection from
 * one client goes to the same endpoint for as long as the endpoint list stays the same. (When it changes,
 * most clients move; {@link MaglevBalancer} moves only the clients of the endpoint that changed.)
 * Stateless, so thread-safe.
 */
public final class SourceHashBalancer implements Balancer {

    @Override
    public Choice pick(List<Endpoint> endpoints, int clientIp, int clientPort, long now) {
        int n = endpoints.size();
        if (n == 0) {
            return null;
        }
        int index = (int) Long.remainderUnsigned(hash(clientIp), n);
        return new Choice(index, "source hash of " + Ipv4Address.toString(clientIp) + " → " + index);
    }

    @Override
    public String name() {
        return "source-hash";
    }

    /** A 64-bit mix of the address (SplitMix64's finaliser), so neighbouring clients spread out. */
    static long hash(int clientIp) {
        long z = Integer.toUnsignedLong(clientIp) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
