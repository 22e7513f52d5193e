package dev.vnet.bridge;

import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.capture.CaptureFilter;
import dev.vnet.core.capture.FrameObserver;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.Segmenter;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A learning L2 bridge, as a Linux bridge behaves: it learns source MACs per port, forwards a frame for a
 * known MAC to that port alone, and floods broadcast, multicast and unknown unicast to every other port.
 *
 * <p>{@link #receive} runs on the thread of the port the frame came in on; it is thread-safe and allocates
 * nothing. Malformed frames are dropped and counted on the ingress port, never thrown.
 */
public final class Bridge {
    private final String name;
    private final Fdb fdb;
    private volatile BridgePort[] ports = new BridgePort[0];
    private volatile Diverter diverter;
    private final LongAdder diverted = new LongAdder();

    /**
     * Takes unicast frames between two ports away from the bridge when the router must see them: replies of
     * a translated (NATed) flow between two pods of one node would otherwise skip the reverse translation, and
     * traffic between them the network policy. Linux needs br_netfilter for the same reasons.
     */
    public interface Diverter {
        /** Whether the router must see this frame (borrowed for the call). */
        boolean wants(BridgePort ingress, ByteBuffer frame, int length, long now);

        /** Hands a frame it wanted to the router (borrowed for the call), with its offload metadata. */
        void take(BridgePort ingress, ByteBuffer frame, int length, long offload, long now);
    }
    private int nextPortId = 1;

    private final LongAdder forwarded = new LongAdder();
    private final LongAdder flooded = new LongAdder();
    private final LongAdder learnedNew = new LongAdder();
    private final LongAdder learnedMoved = new LongAdder();
    private final LongAdder learnRefused = new LongAdder();

    public Bridge(String name) {
        this(name, new Fdb());
    }

    public Bridge(String name, Fdb fdb) {
        this.name = name;
        this.fdb = fdb;
    }

    public String name() {
        return name;
    }

    /** The node this bridge belongs to, for traces: its name without the "br-" prefix. */
    public String node() {
        return name.startsWith("br-") ? name.substring(3) : name;
    }

    public Fdb fdb() {
        return fdb;
    }

    /** Adds a port whose outgoing frames go to {@code sink}. */
    public synchronized BridgePort attach(String portName, FrameSink sink) {
        for (BridgePort p : ports) {
            if (p.name().equals(portName)) {
                throw new IllegalArgumentException("bridge " + name + " already has a port named " + portName);
            }
        }
        BridgePort port = new BridgePort(nextPortId++, portName, sink);
        BridgePort[] next = Arrays.copyOf(ports, ports.length + 1);
        next[ports.length] = port;
        ports = next;
        return port;
    }

    /** Removes a port and forgets the MACs learned on it. */
    public synchronized void detach(BridgePort port) {
        port.setDown();
        ports = Arrays.stream(ports).filter(p -> p != port).toArray(BridgePort[]::new);
        fdb.removePort(port);
    }

    public List<BridgePort> ports() {
        return List.of(ports);
    }

    /**
     * Takes one frame, bytes {@code [0, length)} of {@code frame}, that arrived on {@code ingress}, and forwards
     * it. The buffer is borrowed for the call: every port it goes out of sees it before this returns.
     */
    public void receive(BridgePort ingress, ByteBuffer frame, int length, long now) {
        receive(ingress, frame, length, VirtioNetHeader.NONE, now);
    }

    /**
     * Like {@link #receive(BridgePort, ByteBuffer, int, long)}, for a frame with offload metadata (a
     * {@link VirtioNetHeader} packed value: a super-frame, a partial checksum). It crosses the bridge untouched
     * to a port that takes offloads, and is cut into segments for one that does not ({@link BridgePort}).
     */
    public void receive(BridgePort ingress, ByteBuffer frame, int length, long offload, long now) {
        PortCounters in = ingress.counters();
        in.received(length, offload == VirtioNetHeader.NONE ? 1
                : Segmenter.segmentsOf(frame, 0, length, EthernetFrame.HEADER_LEN, offload));
        FrameObserver obs = ingress.rxObserver;
        if (obs != null) {
            obs.frame(frame, 0, length, now);
        }
        if (!ingress.isUp()) {
            in.drop(DropReason.PORT_DOWN);
            return;
        }
        if (length < EthernetFrame.HEADER_LEN) {
            in.drop(DropReason.TRUNCATED);
            return;
        }
        long dst = macAt(frame, 0);
        long src = macAt(frame, 6);
        if ((src & GROUP_BIT) != 0 || src == 0) {
            // A frame cannot come from a group address or from nobody; Linux drops these too.
            in.drop(DropReason.BAD_SOURCE_MAC);
            return;
        }
        Probe probe = Tracing.matchFrame(frame, length);
        Adopt adopt = adopting;
        if (adopt != null && probe == null && adopt.port == ingress && length >= 34 && frame.get(12) == 0x08
                && frame.get(13) == 0x00 && adopt.filter.matches(frame, 0, length, 1)) {
            probe = adopt(adopt, frame, length);
        }
        switch (fdb.learn(src, ingress, now)) {
            case NEW -> learnedNew.increment();
            case MOVED -> learnedMoved.increment();
            case FULL -> learnRefused.increment();
            default -> { }
        }
        if ((dst & GROUP_BIT) == 0) {
            Diverter d = diverter;
            if (d != null && d.wants(ingress, frame, length, now)) {
                diverted.increment();
                if (probe != null) {
                    probe.hop(node(), "bridge", "in at port " + ingress.name() + ": handed to the router, which must "
                            + "see it (a translated flow or network policy, as br_netfilter does)");
                }
                d.take(ingress, frame, length, offload, now);
                return;
            }
            BridgePort out = fdb.lookup(dst, now);
            if (out == ingress) {
                in.drop(DropReason.LOOP); // the destination lives behind the port it came from
                if (probe != null) {
                    probe.hop(node(), "bridge", "dropped: " + DropReason.LOOP.description());
                    probe.end("dropped on " + node() + " by the bridge: " + DropReason.LOOP.description());
                }
                return;
            }
            if (out != null && out.isUp()) {
                forwarded.increment();
                if (probe != null) {
                    probe.hop(node(), "bridge", "in at port " + ingress.name() + ", FDB hit for "
                            + MacAddress.toString(dst) + " → out at port " + out.name());
                    if (!out.name().equals("gateway")) {
                        probe.end("delivered to " + out.name() + " on " + node());
                    }
                }
                out.transmit(frame, length, offload, now);
                return;
            }
        }
        if (probe != null) {
            probe.hop(node(), "bridge", "in at port " + ingress.name() + ", " + MacAddress.toString(dst)
                    + ((dst & GROUP_BIT) != 0 ? " is a group address" : " is unknown (FDB miss)")
                    + " → flooded to " + (ports.length - 1) + " ports");
            probe.end("flooded on " + node() + ": every port but " + ingress.name() + " got a copy"
                    + ((dst & GROUP_BIT) != 0 ? "" : " (the destination's MAC was not learned yet)"));
        }
        flooded.increment();
        for (BridgePort p : ports) {
            if (p != ingress && p.isUp()) {
                p.transmit(frame, length, offload, now);
            }
        }
    }

    /** A pending `vnet trace --next`: the next IPv4 frame from {@code port} that matches becomes the probe. */
    private record Adopt(BridgePort port, CaptureFilter filter, java.util.function.Consumer<Probe> started) {}

    private volatile Adopt adopting;

    /** Makes the next IPv4 frame entering at {@code port} and matching {@code filter} the traced probe. */
    public void traceNext(BridgePort port, CaptureFilter filter, java.util.function.Consumer<Probe> started) {
        adopting = new Adopt(port, filter, started);
    }

    public void cancelTraceNext() {
        adopting = null;
    }

    private synchronized Probe adopt(Adopt a, ByteBuffer frame, int length) {
        if (adopting != a) {
            return null; // another thread took it
        }
        adopting = null;
        Probe p = Probe.of(frame, EthernetFrame.HEADER_LEN);
        if (p == null || !Tracing.begin(p)) {
            return null;
        }
        p.hop(node(), "bridge", "marked: the next packet from port " + a.port.name() + " matching \"" + a.filter + "\"");
        a.started.accept(p);
        return p;
    }

    public void setDiverter(Diverter d) {
        diverter = d;
    }

    /** Frames the diverter took to the router. */
    public long diverted() {
        return diverted.sum();
    }

    /** Frames forwarded to a single port after an FDB hit. */
    public long forwarded() {
        return forwarded.sum();
    }

    /** Frames flooded: broadcast, multicast, or unknown unicast. */
    public long flooded() {
        return flooded.sum();
    }

    public long learnedNew() {
        return learnedNew.sum();
    }

    public long learnedMoved() {
        return learnedMoved.sum();
    }

    /** Source MACs not learned because the FDB was full (their frames still flood). */
    public long learnRefused() {
        return learnRefused.sum();
    }

    /** The I/G bit of a MAC in our 48-bit long form: the lowest bit of the first octet. */
    private static final long GROUP_BIT = 1L << 40;

    /** A MAC read byte by byte, so the buffer's byte order setting does not matter. */
    static long macAt(ByteBuffer b, int at) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (b.get(at + i) & 0xff);
        }
        return mac;
    }
}
