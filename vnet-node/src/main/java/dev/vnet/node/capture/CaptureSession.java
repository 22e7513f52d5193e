package dev.vnet.node.capture;

import dev.vnet.bridge.BridgePort;
import dev.vnet.core.capture.CaptureFilter;
import dev.vnet.core.capture.CaptureSink;
import dev.vnet.core.linux.NetNs;
import dev.vnet.node.VnetNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.Pcaps;

/**
 * One running capture: the points it watches (pod ports, the gateway, before/after NAT, VXLAN's inner frames,
 * the node TUN, the underlay), a filter, a packet limit, and the file or stream it writes.
 *
 * <p>Data-path threads only test the filter and copy a matching packet into a bounded queue (dropping and
 * counting when it is full); a writer thread feeds the sink. So a slow reader, or a Wireshark window left open,
 * never slows the forwarding itself. Detaching the hooks returns the data path to its idle cost.
 */
public final class CaptureSession implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CaptureSession.class.getName());
    private static final int QUEUE = 8192;

    private record Item(int iface, long epochNanos, byte[] data, String comment) {}

    private final CaptureSink sink;
    private final CaptureFilter filter;
    private final int limit;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicInteger accepted = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final List<Runnable> detach = new ArrayList<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread writer;
    private volatile boolean closed;

    /** @param limit stop after this many packets; 0 for no limit */
    public CaptureSession(CaptureSink sink, CaptureFilter filter, int limit) {
        this.sink = sink;
        this.filter = filter;
        this.limit = limit <= 0 ? Integer.MAX_VALUE : limit;
        this.writer = new Thread(this::writeLoop, "capture-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Captures both directions of a bridge port (a pod's eth0, or the gateway) as one interface. */
    public synchronized void attachPort(BridgePort port, String name, String description) {
        int iface = sink.addInterface(name, description, 1);
        port.observe((buf, off, len, now) -> offer(iface, buf, off, len, 1, null),
                (buf, off, len, now) -> offer(iface, buf, off, len, 1, null));
        detach.add(() -> port.observe(null, null));
    }

    /**
     * Captures points inside a node's router and VTEP: any of nat-before, nat-after, tun-in, tun-out,
     * vxlan-in, vxlan-out. Each point becomes an interface named "node:point".
     */
    public synchronized void attachNode(VnetNode node, Set<String> points) {
        Map<String, Integer> ifaces = new HashMap<>();
        for (String point : points) {
            int linkType = point.startsWith("tun") ? 101 : 1;
            ifaces.put(point, sink.addInterface(node.config().name() + ":" + point, describe(point), linkType));
        }
        dev.vnet.core.capture.PacketTap tap = (point, buf, off, len, linkType, comment) -> {
            Integer iface = ifaces.get(point);
            if (iface != null) {
                offer(iface, buf, off, len, linkType, comment);
            }
        };
        node.router().setTap(tap);
        node.vtep().setTap(tap);
        detach.add(() -> {
            node.router().setTap(null);
            node.vtep().setTap(null);
        });
    }

    /**
     * Captures a kernel interface through libpcap, from inside namespace {@code netns}. The session's filter
     * applies as at every other point (so the filter means the same everywhere).
     */
    public synchronized void attachKernel(String netns, String device) throws IOException {
        PcapHandle handle;
        try {
            handle = NetNs.call(netns, () -> {
                PcapNetworkInterface nif = Pcaps.getDevByName(device);
                if (nif == null) {
                    throw new IOException("no interface " + device + " in namespace " + netns);
                }
                return nif.openLive(65536, PcapNetworkInterface.PromiscuousMode.PROMISCUOUS, 50);
            });
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IOException("libpcap cannot capture " + device + ": " + e.getMessage(), e);
        }
        int iface = sink.addInterface(device, "the kernel's " + device + " in " + netns + " (libpcap)", 1);
        Thread reader = new Thread(() -> {
            while (!closed) {
                try {
                    byte[] pkt = handle.getNextRawPacket();
                    if (pkt != null && filter.matches(java.nio.ByteBuffer.wrap(pkt), 0, pkt.length, 1)) {
                        Instant ts = handle.getTimestamp().toInstant();
                        enqueue(iface, ts.getEpochSecond() * 1_000_000_000L + ts.getNano(), pkt, null);
                    }
                } catch (Exception e) {
                    if (!closed) {
                        LOG.warning("underlay capture stopped: " + e.getMessage());
                    }
                    return;
                }
            }
        }, "capture-" + device);
        reader.setDaemon(true);
        reader.start();
        detach.add(() -> {
            try {
                reader.join(500);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            handle.close();
        });
    }

    private static String describe(String point) {
        return switch (point) {
            case "nat-before" -> "packets entering the Service stage";
            case "nat-after" -> "packets leaving the Service stage, with its verdict";
            case "tun-in" -> "packets from the node's own stack (TUN vnet0)";
            case "tun-out" -> "packets to the node's own stack (TUN vnet0)";
            case "vxlan-out" -> "inner frames before VXLAN encapsulation";
            case "vxlan-in" -> "inner frames after VXLAN decapsulation";
            default -> point;
        };
    }

    /** On a data-path thread: filter, count, copy, queue. */
    private void offer(int iface, ByteBuffer buf, int off, int len, int linkType, String comment) {
        if (closed || !filter.matches(buf, off, len, linkType)) {
            return;
        }
        byte[] copy = new byte[len];
        buf.get(off, copy, 0, len);
        enqueue(iface, epochNanos(), copy, comment);
    }

    private void enqueue(int iface, long nanos, byte[] data, String comment) {
        if (accepted.incrementAndGet() > limit) {
            return;
        }
        if (!queue.offer(new Item(iface, nanos, data, comment))) {
            dropped.increment();
        }
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private void writeLoop() {
        int written = 0;
        try {
            while (written < limit) {
                Item item = queue.poll(200, TimeUnit.MILLISECONDS);
                if (item == null) {
                    if (closed) {
                        break;
                    }
                    continue;
                }
                sink.write(item.iface, item.epochNanos, ByteBuffer.wrap(item.data), 0, item.data.length, item.comment);
                written++;
                if (queue.isEmpty()) {
                    sink.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sink.flush();
            finished.countDown();
        }
    }

    /** Blocks until the packet limit is reached, or {@link #close} is called. */
    public void awaitDone() throws InterruptedException {
        finished.await();
    }

    public boolean isDone() {
        return finished.getCount() == 0;
    }

    public long droppedPackets() {
        return dropped.sum();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Runnable r : detach) {
            r.run();
        }
        try {
            finished.await(2, TimeUnit.SECONDS);
            sink.close();
        } catch (IOException | InterruptedException e) {
            LOG.fine("capture sink closed with: " + e.getMessage());
        }
    }
}
