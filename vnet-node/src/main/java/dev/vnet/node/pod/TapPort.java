package dev.vnet.node.pod;

import dev.vnet.bridge.Bridge;
import dev.vnet.bridge.BridgePort;
import dev.vnet.bridge.FrameSink;
import dev.vnet.core.linux.TapDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Joins a TAP device to a bridge port: one platform thread reads frames from the device into its own direct
 * buffer and hands each to the bridge; frames the bridge sends out of the port are written to the device
 * from whichever thread forwards them (a write on a TAP descriptor is one atomic frame).
 *
 * <p>With offloads on the device, a read may return a TCP super-frame of up to 64 KiB with a partial checksum;
 * its metadata goes into the bridge with it, and the port takes super-frames back the same way.
 */
public final class TapPort implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TapPort.class.getName());

    private final TapDevice device;
    private final Bridge bridge;
    private final BridgePort port;
    private final Thread reader;
    private final LongSupplier clock;
    private volatile boolean running = true;

    public TapPort(TapDevice device, Bridge bridge, String portName, LongSupplier clock) {
        this.device = device;
        this.bridge = bridge;
        this.clock = clock;
        this.port = bridge.attach(portName, new FrameSink() {
            @Override
            public boolean send(ByteBuffer frame, int length, long now) {
                return device.write(frame, length);
            }

            @Override
            public boolean takesOffloads() {
                return device.takesOffloads();
            }

            @Override
            public boolean send(ByteBuffer frame, int length, long offload, long now) {
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

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(TapDevice.MAX_FRAME);
        try {
            while (running) {
                int n = device.read(buf);
                if (n < 0) {
                    break;
                }
                bridge.receive(port, buf, n, device.lastOffload(), clock.getAsLong());
            }
        } catch (IOException e) {
            if (running) {
                LOG.log(Level.WARNING, "port " + port.name() + " stopped reading: " + e.getMessage());
            }
        }
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
