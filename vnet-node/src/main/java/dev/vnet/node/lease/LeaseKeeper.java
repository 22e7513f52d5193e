package dev.vnet.node.lease;

import dev.vnet.apiserver.api.SubnetLease;
import dev.vnet.apiserver.store.ClusterStore;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Holds a node's subnet lease, as flanneld does: a {@link SubnetLease} key bound to a store lease of
 * {@code ttl}, renewed every third of it. If the store was unreachable long enough for the lease to expire,
 * the next renewal finds it gone and writes a fresh one, so the node comes back as soon as the store does.
 */
public final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class.getName());
    /** The lab's lease TTL (flannel's is 24 h; a lab wants a dead node noticed in half a minute). */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

    private final ClusterStore store;
    private final SubnetLease template;
    private final Duration ttl;
    private final ScheduledExecutorService timer;
    private volatile long leaseId = -1;
    private volatile boolean healthy;

    public LeaseKeeper(ClusterStore store, String node, Cidr subnet, Ipv4Address underlayIp, Duration ttl) {
        this.store = store;
        this.ttl = ttl;
        this.template = SubnetLease.of(node, subnet.toString(), underlayIp.toString(),
                MacAddress.forPodIp(subnet.network()).toString(), 0, ttl.toSeconds());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-keeper");
            t.setDaemon(true);
            return t;
        });
    }

    /** Takes the lease now (failing if the store is down), then keeps it alive in the background. */
    public LeaseKeeper start() {
        acquire();
        long period = Math.max(250, ttl.toMillis() / 3);
        timer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    private void acquire() {
        long id = store.grantLease(ttl);
        SubnetLease.Spec s = template.spec();
        SubnetLease lease = template.withSpec(new SubnetLease.Spec(s.node(), s.podCIDR(), s.underlayIP(), s.vtepMAC(),
                id, s.ttlSeconds()));
        store.putWithLease(SubnetLease.KIND, SubnetLease.keyFor(s.podCIDR()), lease, id);
        leaseId = id;
        healthy = true;
        LOG.info("subnet lease held: node=" + s.node() + " subnet=" + s.podCIDR() + " lease=" + Long.toHexString(id)
                + " ttl=" + ttl.toSeconds() + "s");
    }

    private void renew() {
        try {
            if (!store.keepAlive(leaseId)) {
                LOG.warning("subnet lease expired: node=" + template.spec().node() + ": taking a new one");
                acquire();
            } else if (!healthy) {
                healthy = true;
                LOG.info("subnet lease renewed again: node=" + template.spec().node());
            }
        } catch (ClusterStore.UnavailableException e) {
            if (healthy) {
                LOG.warning("cannot renew the subnet lease: " + e.getMessage() + " (forwarding goes on)");
            }
            healthy = false;
        } catch (RuntimeException e) {
            healthy = false;
            LOG.warning("subnet lease renewal failed: " + e);
        }
    }

    public long leaseId() {
        return leaseId;
    }

    /** Stops renewing. The lease then runs out by itself, as after a crash; {@link #release} ends it now. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Ends the lease at once (a node leaving on purpose). */
    public void release() {
        close();
        try {
            store.revokeLease(leaseId);
        } catch (RuntimeException e) {
            LOG.fine("lease revoke failed: " + e.getMessage());
        }
    }
}
