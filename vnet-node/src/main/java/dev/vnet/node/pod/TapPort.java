package dev.vnet.node.pod;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.FrameSink;
import dev.vnet.core.linux.AnswerPickup;
import dev.vnet.core.linux.TapDevice;
import dev.vnet.core.packet.DropReason;
import dev.vnet.core.packet.EthernetFrame;
import dev.vnet.core.packet.Segmenter;
import dev.vnet.core.packet.VirtioNetHeader;
import dev.vnet.core.trace.Probe;
import dev.vnet.core.trace.Tracing;
import dev.vnet.fault.FaultEngine;
import dev.vnet.fault.FaultPoint;
import dev.vnet.fault.FaultVerdict;
import dev.vnet.fault.Released;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Joins a TAP device to a bridge port: one platform thread reads frames from the device into the port's direct
 * buffer and hands each to the bridge; frames the bridge sends out of the port are written to the device
 * from whichever thread forwards them (a write on a TAP descriptor is one atomic frame). A thread that wrote a
 * wire-sized frame into the port reads the pod's immediate answer itself before it sleeps ({@link AnswerPickup}),
 * which spares a wake-up of the port's reader on a request and its reply.
 *
 * <p>With offloads on the device, a read may return a TCP super-frame of up to 64 KiB with a partial checksum;
 * its metadata goes into the bridge with it, and the port takes super-frames back the same way.
 */
public final class TapPort implements AutoCloseable, AnswerPickup.Reader {
    private static final Logger LOG = Logger.getLogger(TapPort.class.getName());

    private final TapDevice device;
    private final Bridge bridge;
    private final BridgePort port;
    private final Thread reader;
    private final LongSupplier clock;
    private volatile boolean running = true;
    /**
     * Held while reading from the device and forwarding what was read: by the port's own reader, or by a thread
     * that just wrote into the port and takes the pod's answer itself ({@link AnswerPickup}). Frames of one port
     * thus go into the bridge one at a time and in order. It guards {@link #rx} and the segmenter's state.
     */
    private final ReentrantLock reading = new ReentrantLock();
    private final ByteBuffer rx = ByteBuffer.allocateDirect(TapDevice.MAX_FRAME);
    /** How many frames one turn reads before letting go of the port (and collecting answers). */
    private static final int BURST = 64;
    /** How many frames a thread that wrote into the port reads of its answers. */
    private static final int ANSWERS = 4;

    public TapPort(TapDevice device, Bridge bridge, String portName, LongSupplier clock) {
        this.device = device;
        this.bridge = bridge;
        this.clock = clock;
        this.port = bridge.attach(portName, new FrameSink() {
            @Override
            public boolean send(ByteBuffer frame, int length, long now) {
                FaultPoint p = faultPoint;
                if (p != null && p.impaired()) {
                    return toPodThroughFaults(p, frame, length);
                }
                AnswerPickup.wrote(TapPort.this);
                return device.write(frame, length);
            }

            @Override
            public boolean takesOffloads() {
                // A port with faults takes wire-sized frames (the bridge cuts super-frames up), so that loss and
                // corruption act per packet as on a link.
                FaultPoint p = faultPoint;
                return device.takesOffloads() && (p == null || !p.impaired());
            }

            @Override
            public boolean send(ByteBuffer frame, int length, long offload, long now) {
                if (!VirtioNetHeader.isGso(offload)) {
                    AnswerPickup.wrote(TapPort.this);
                }
                return device.write(frame, 0, length, offload);
            }
        });
        this.reader = new Thread(this::readLoop, "tap-" + portName);
        reader.setDaemon(true);
        reader.start();
    }

    public BridgePort port() {
        return port;
    }

    // ---- faults at this port (`vnet fault add --node N --pod POD`) ----

    private volatile FaultPoint faultPoint;
    private volatile FaultEngine faultEngine;
    private volatile String node = "";
    /** Where frames the engine held go once released: on into the bridge, or out to the pod. */
    private final Released toBridge = this::releasedFromPod;
    private final Released toPod = this::releasedToPod;

    private void releasedFromPod(ByteBuffer frame, int length, long now) {
        bridge.receive(port, frame, length, now);
    }

    private void releasedToPod(ByteBuffer frame, int length, long now) {
        device.write(frame, length);
    }
    /** Guarded by {@link #reading}: super-frames from the pod are cut into wire-sized frames before the faults. */
    private final Segmenter segmenter = new Segmenter();
    private ByteBuffer segment;

    /** From now on, frames both ways through this port meet the faults of {@code point}. */
    public void injectFaults(FaultPoint point, FaultEngine engine, String nodeName) {
        this.faultEngine = engine;
        this.node = nodeName;
        this.faultPoint = point;
    }

    private void fromPodThroughFaults(FaultPoint p, ByteBuffer buf, int n, long offload, long now) {
        if (!VirtioNetHeader.needsSoftware(offload)) {
            fromPod(p, buf, n, offload, now);
            return;
        }
        if (segmenter.start(buf, 0, n, EthernetFrame.HEADER_LEN, offload) != DropReason.NONE) {
            port.counters().drop(DropReason.BAD_OFFLOAD);
            return;
        }
        if (segment == null) {
            segment = ByteBuffer.allocateDirect(TapDevice.MAX_FRAME);
        }
        for (int len = segmenter.next(segment, 0); len >= 0; len = segmenter.next(segment, 0)) {
            fromPod(p, segment, len, VirtioNetHeader.NONE, now);
        }
    }

    private void fromPod(FaultPoint p, ByteBuffer frame, int length, long offload, long now) {
        FaultVerdict v = faultEngine.apply(p, frame, 0, length, toBridge);
        switch (v.action()) {
            case PASS -> bridge.receive(port, frame, length, offload, now);
            case DUPLICATE -> {
                bridge.receive(port, frame, length, offload, now);
                bridge.receive(port, frame, length, offload, now);
            }
            case DROP -> dropped(v, frame, length);
            default -> { } // held: the engine hands it to the bridge when its time comes
        }
    }

    private boolean toPodThroughFaults(FaultPoint p, ByteBuffer frame, int length) {
        FaultVerdict v = faultEngine.apply(p, frame, 0, length, toPod);
        switch (v.action()) {
            case PASS:
                return device.write(frame, length);
            case DUPLICATE:
                device.write(frame, length);
                return device.write(frame, length);
            case DROP:
                dropped(v, frame, length);
                return true; // the fault's drop, counted as such: not a device failure
            default:
                return true;
        }
    }

    private void dropped(FaultVerdict v, ByteBuffer frame, int length) {
        port.counters().drop(DropReason.FAULT);
        Probe probe = Tracing.matchFrame(frame, length);
        if (probe != null) {
            probe.hop(node, "fault", v.message());
            probe.end(v.message());
        }
    }

    private void readLoop() {
        try {
            while (running) {
                int n;
                reading.lock();
                try {
                    n = forward(BURST, false);
                } finally {
                    reading.unlock();
                }
                if (n < 0) {
                    break;
                }
                AnswerPickup.collect();
                if (n == 0) {
                    device.awaitReadable();
                }
            }
        } catch (IOException e) {
            if (running) {
                LOG.log(Level.WARNING, "port " + port.name() + " stopped reading: " + e.getMessage());
            }
        }
    }

    /** The answers of the pod to what this thread wrote into it, if no one is reading the port already. */
    @Override
    public void readAnswers() {
        if (!running || !reading.tryLock()) {
            return;
        }
        try {
            forward(ANSWERS, true);
        } catch (IOException e) {
            // the port's own reader meets the same error and reports it
        } finally {
            reading.unlock();
        }
    }

    /** Reads up to {@code max} queued frames into the bridge; how many, or -1 once the device is closed. */
    private int forward(int max, boolean answers) throws IOException {
        ByteBuffer buf = rx;
        for (int i = 0; i < max; i++) {
            int n = device.readNow(buf, 0);
            if (n <= 0) {
                return n < 0 && i == 0 ? -1 : i;
            }
            if (answers) {
                port.counters().answerPickedUp();
            }
            long offload = device.lastOffload();
            FaultPoint p = faultPoint;
            if (p != null && p.impaired()) {
                fromPodThroughFaults(p, buf, n, offload, clock.getAsLong());
            } else {
                bridge.receive(port, buf, n, offload, clock.getAsLong());
            }
            if (answers && VirtioNetHeader.isGso(offload)) {
                return i + 1; // the pod's answer is the bulk of a flow: its own reader carries that on
            }
        }
        return max;
    }

    @Override
    public void close() {
        running = false;
        bridge.detach(port);
        device.close();
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
